"""Tampering with a stored record, result, artifact or snapshot is detected on read."""

import os

import pytest
import sqlalchemy as sa

from finbot.contracts import FinbotError
from finbot.registry import Registry, RegistryIntegrityError
from finbot.registry._schema import run_outcomes, runs, snapshots


def _tamper_file(path) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _sql(registry: Registry, statement) -> None:
    with registry._engine.begin() as conn:
        conn.execute(statement)


def test_integrity_error_is_a_finbot_error() -> None:
    assert issubclass(RegistryIntegrityError, FinbotError)


def test_altered_result_artifact_is_detected(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    sha = registry.get(run_id).result_hash
    _tamper_file(registry.artifacts.path(sha))
    with pytest.raises(RegistryIntegrityError, match=rf"run {run_id}: .*result {sha}.*altered"):
        registry.load_result(run_id)
    assert any(run_id in p and "result" in p for p in registry.verify())


def test_missing_artifact_is_detected(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    registry.artifacts.path(registry.get(run_id).result_hash).unlink()
    with pytest.raises(RegistryIntegrityError, match="missing"):
        registry.load_result(run_id)


def test_altered_snapshot_is_detected(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    _tamper_file(registry.artifacts.path(registry.get(run_id).snapshot_artifact))
    with pytest.raises(RegistryIntegrityError, match="data snapshot"):
        registry.load_snapshot(data.snapshot_id())
    with pytest.raises(RegistryIntegrityError, match="data snapshot"):
        registry.run_snapshot(run_id)


def test_snapshot_row_pointing_at_other_data_is_detected(registry, fakes) -> None:
    r1, d1, _ = fakes.run_fake(data=fakes.make_data(drift=0.0))
    r2, d2, _ = fakes.run_fake(data=fakes.make_data(drift=1.0))
    registry.record(r1, d1)
    second = registry.record(r2, d2)
    other_blob = registry.get(second).snapshot_artifact
    _sql(registry, sa.update(snapshots)
         .where(snapshots.c.snapshot_id == d1.snapshot_id())
         .values(artifact_sha256=other_blob))
    with pytest.raises(RegistryIntegrityError, match="rebuilds to data with snapshot id"):
        registry.load_snapshot(d1.snapshot_id())


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("outcome", "metrics_json", '{"sharpe":99}', "outcome record hash"),
        ("outcome", "status", "failed", "outcome record hash"),
        ("outcome", "result_hash", "0" * 64, "outcome record hash"),
        ("start", "tags_json", '["published"]', "start record hash"),
        ("start", "started_at", "2020-01-01T00:00:00.000000+00:00", "start record hash"),
        ("start", "config_json", '{"engine":"fake"}', "config_json no longer hashes"),
        ("start", "strategy_id", "other", "strategy_id column"),
        ("start", "seed", 8, "seed column differs"),
    ],
)
def test_altered_record_fields_are_detected(registry, fake_run, table, column, value, message):
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    target = run_outcomes if table == "outcome" else runs
    _sql(registry, sa.update(target).where(target.c.run_id == run_id).values({column: value}))
    with pytest.raises(RegistryIntegrityError, match=message) as err:
        registry.get(run_id)
    assert err.value.run_id == run_id
    with pytest.raises(RegistryIntegrityError):
        registry.runs()
    assert len(registry.verify()) == 1


def test_rewriting_config_and_its_hash_together_breaks_the_seal(registry, fakes) -> None:
    result, data, _ = fakes.run_fake(period=3)
    run_id = registry.record(result, data)
    other = fakes.make_config(period=5)
    _sql(registry, sa.update(runs).where(runs.c.run_id == run_id).values(
        config_json=other.canonical_json(), config_hash=other.config_hash()))
    with pytest.raises(RegistryIntegrityError, match="start record hash"):
        registry.get(run_id)


def test_untampered_registry_verifies_clean(registry, fakes) -> None:
    for period in (2, 3):
        result, data, strategy = fakes.run_fake(period=period)
        registry.record(result, data, strategy=strategy, artifacts={"notes.txt": b"n"})
    registry.record_failure(fakes.make_config(), "boom")
    assert registry.verify() == []
