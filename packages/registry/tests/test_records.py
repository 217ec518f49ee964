import hashlib
import inspect
import json
import platform
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from finbot.contracts import BacktestResult, FinbotError, RunRegistry
from finbot.registry import (
    RESULT_ARTIFACT,
    Registry,
    RunNotFoundError,
    RunStateError,
    RunStatus,
    record_run,
)
from finbot.registry._ids import RUN_ID_PATTERN, new_run_id

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_registry_satisfies_the_contracts_port(registry: Registry) -> None:
    port: RunRegistry = registry
    assert callable(port.record) and callable(port.load_result)


def test_record_stores_a_complete_record_and_the_exact_result(registry, fake_run, fakes) -> None:
    result, data, strategy = fake_run
    run_id = registry.record(
        result, data, strategy=strategy, started=T0, finished=T0 + timedelta(seconds=2.5),
        tags=["nightly", "baseline", "nightly"],
    )
    assert RUN_ID_PATTERN.match(run_id)
    rec = registry.get(run_id)
    assert rec.status is RunStatus.FINISHED
    assert rec.started_at == "2026-01-05T09:30:00.000000+00:00"
    assert rec.duration_seconds == 2.5
    assert rec.config_json == result.config.canonical_json()
    assert rec.config_hash == result.config.config_hash()
    assert rec.seed == 7 and rec.engine_name == "fake"
    assert rec.strategy.id == "flip"
    assert rec.strategy.params == {"period": 3, "quantity": 10.0}  # defaults included
    source = inspect.getsourcefile(fakes.Flip)
    assert rec.strategy.source_sha256 == hashlib.sha256(Path(source).read_bytes()).hexdigest()
    assert rec.data_snapshot_id == data.snapshot_id()
    assert rec.engine is not None and rec.engine.version == "1.0"
    assert rec.result_hash == result.content_hash()
    assert rec.artifacts == {RESULT_ARTIFACT: result.content_hash()}
    assert rec.metrics is not None and rec.metrics["trade_count"] == result.metrics.trade_count
    assert rec.tags == ("baseline", "nightly")
    assert rec.environment.python == platform.python_version()
    for package in ("finbot-contracts", "finbot-registry", "sqlalchemy", "pydantic"):
        assert package in rec.environment.packages
    assert rec.error is None
    assert registry.load_result(run_id) == result
    assert registry.load_result_bytes(run_id) == result.to_json().encode()


def test_record_run_hook_and_extra_artifacts(registry, fake_run) -> None:
    result, data, strategy = fake_run
    run_id = record_run(registry, result, data, strategy, T0, T0 + timedelta(seconds=1))
    assert registry.get(run_id).duration_seconds == 1.0
    other = registry.record(result, data, artifacts={"report.html": b"<h1>report</h1>"})
    assert registry.load_artifact(other, "report.html") == b"<h1>report</h1>"
    with pytest.raises(RunNotFoundError, match="no artifact 'missing'"):
        registry.load_artifact(other, "missing")
    with pytest.raises(FinbotError, match="reserved"):
        registry.record(result, data, artifacts={RESULT_ARTIFACT: b"x"})


def test_snapshot_is_pinned_once_and_reloads_equal(registry, fake_run, registry_location) -> None:
    result, data, strategy = fake_run
    first = registry.record(result, data, strategy=strategy)
    second = registry.record(result, data, strategy=strategy)
    snap = registry.load_snapshot(data.snapshot_id())
    assert snap.snapshot_id() == data.snapshot_id()
    assert snap.name == data.name
    assert snap.instrument_ids == data.instrument_ids == ("BBB", "AAA")
    assert all(snap.bars(i) == data.bars(i) for i in data.instrument_ids)
    assert registry.run_snapshot(first).snapshot_id() == data.snapshot_id()
    rec1, rec2 = registry.get(first), registry.get(second)
    assert rec1.snapshot_artifact == rec2.snapshot_artifact
    blobs = [p for p in registry.artifacts.root.rglob("*") if p.is_file()]
    # one result blob (both runs have equal results) + one snapshot blob
    assert len(blobs) == 2


def test_lifecycle_is_one_way(registry, fake_run) -> None:
    result, data, strategy = fake_run
    run_id = registry.start(result.config, strategy=strategy, started=T0)
    assert registry.get(run_id).status is RunStatus.RUNNING
    assert [r.run_id for r in registry.runs(status="running")] == [run_id]
    with pytest.raises(RunStateError, match="no result"):
        registry.load_result(run_id)
    rec = registry.finish(run_id, result, data, finished=T0 + timedelta(seconds=3))
    assert rec.status is RunStatus.FINISHED and rec.duration_seconds == 3.0
    with pytest.raises(RunStateError, match="already finished"):
        registry.finish(run_id, result, data)
    with pytest.raises(RunStateError, match="already finished"):
        registry.fail(run_id, "late failure")
    assert registry.get(run_id) == rec  # unchanged


def test_finish_refuses_a_result_for_another_config(registry, fakes) -> None:
    result, data, _ = fakes.run_fake(period=3)
    run_id = registry.start(fakes.make_config(period=4))
    with pytest.raises(RunStateError, match="started with config"):
        registry.finish(run_id, result, data)
    assert registry.get(run_id).status is RunStatus.RUNNING


def test_finish_before_start_is_refused(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.start(result.config, started=T0)
    with pytest.raises(FinbotError, match="before it started"):
        registry.finish(run_id, result, data, finished=T0 - timedelta(seconds=1))


def test_failed_runs_are_recorded(registry, fakes) -> None:
    config = fakes.make_config()
    started = registry.start(config, started=T0)
    rec = registry.fail(started, ValueError("bad bar"), finished=T0 + timedelta(seconds=1))
    assert rec.status is RunStatus.FAILED and rec.error == "ValueError: bad bar"
    assert rec.result_hash is None and rec.artifacts == {}
    with pytest.raises(RunStateError, match="already failed"):
        registry.fail(started, "again")
    data = fakes.make_data()
    one_shot = registry.record_failure(config, "engine crashed", data=data)
    rec2 = registry.get(one_shot)
    assert rec2.status is RunStatus.FAILED and rec2.error == "engine crashed"
    assert registry.run_snapshot(one_shot).snapshot_id() == data.snapshot_id()
    assert {r.run_id for r in registry.runs(status="failed")} == {started, one_shot}


def test_filters(registry, fakes) -> None:
    r3, data, s3 = fakes.run_fake(period=3)
    r4, _, s4 = fakes.run_fake(period=4)
    a = registry.record(r3, data, strategy=s3, started=T0, finished=T0, tags=["x"])
    b = registry.record(r4, data, strategy=s4, started=T0 + timedelta(days=2),
                        finished=T0 + timedelta(days=2), tags=["y"])
    c = registry.record_failure(fakes.make_config(engine="other"), "boom",
                                started=T0 + timedelta(days=5), finished=T0 + timedelta(days=5))
    ids = lambda records: [r.run_id for r in records]  # noqa: E731
    assert ids(registry.runs()) == sorted([a, b, c])
    assert ids(registry.runs(engine="fake")) == sorted([a, b])
    assert ids(registry.runs(engine="other")) == [c]
    assert ids(registry.runs(strategy="flip")) == sorted([a, b, c])
    assert ids(registry.runs(strategy="nope")) == []
    assert ids(registry.runs(status="finished")) == sorted([a, b])
    assert ids(registry.runs(tag="y")) == [b]
    assert ids(registry.runs(since=date(2026, 1, 6))) == sorted([b, c])
    assert ids(registry.runs(until=date(2026, 1, 7))) == sorted([a, b])
    assert ids(registry.runs(since=date(2026, 1, 6), until=date(2026, 1, 7))) == [b]
    assert ids(registry.runs(until=T0)) == [a]


def test_get_by_prefix_and_errors(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    assert registry.get(run_id[:12].lower()).run_id == run_id
    with pytest.raises(RunNotFoundError, match="no run"):
        registry.get("0" * 26)
    with pytest.raises(RunNotFoundError, match="too short"):
        registry.get("01")


def test_run_ids_sort_by_time() -> None:
    ids = [new_run_id(now_ms=ms) for ms in (1, 2, 1_000, 10**12, 2**47)]
    assert ids == sorted(ids)
    assert all(RUN_ID_PATTERN.match(i) for i in ids)
    assert len({new_run_id(now_ms=5) for _ in range(100)}) == 100


def test_default_location_honours_env(tmp_path, monkeypatch, fake_run) -> None:
    # The docs tell users to set FINBOT_REGISTRY, so the test controls it instead of assuming it
    # unset: first absent (the ./.finbot default), then set.
    monkeypatch.delenv("FINBOT_REGISTRY", raising=False)
    monkeypatch.chdir(tmp_path)
    with Registry.open() as reg:
        assert (tmp_path / ".finbot" / "registry.sqlite").is_file()
        result, data, _ = fake_run
        run_id = reg.record(result, data)
        sha = reg.get(run_id).result_hash
        assert (tmp_path / ".finbot" / "artifacts" / sha[:2] / sha).is_file()
    monkeypatch.setenv("FINBOT_REGISTRY", str(tmp_path / "elsewhere"))
    with Registry.open() as reg:
        assert reg.runs() == []
    assert (tmp_path / "elsewhere" / "registry.sqlite").is_file()
    with Registry.open(f"sqlite:///{tmp_path / 'db' / 'r.sqlite'}") as reg:
        reg.record(result, data)
        assert len(reg.runs()) == 1
    assert (tmp_path / "db" / "artifacts").is_dir()


def test_sqlite_registry_uses_wal(tmp_path) -> None:
    with Registry.open(tmp_path / "r") as reg:
        assert reg.dialect == "sqlite"
    import sqlite3

    con = sqlite3.connect(tmp_path / "r" / "registry.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_result_json_round_trip_is_the_stored_bytes(registry, fake_run) -> None:
    result, data, _ = fake_run
    run_id = registry.record(result, data)
    stored = registry.load_result_bytes(run_id)
    assert BacktestResult.from_json(stored).to_json().encode() == stored
    assert json.loads(stored)["data_snapshot_id"] == data.snapshot_id()
