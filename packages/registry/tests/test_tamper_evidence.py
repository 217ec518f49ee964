"""The issue-7 attacks on the registry: each one is now caught by ``verify`` (and by reads)."""

import contextlib
import sqlite3

import pytest
import sqlalchemy as sa

from finbot.registry import Registry, RegistryIntegrityError
from finbot.registry._chain import chain_hash
from finbot.registry._record import outcome_hash, start_hash
from finbot.registry._rows import outcome_values, start_values
from finbot.registry._schema import record_chain, run_outcomes, runs

KEY = b"team secret"


def _sql(registry: Registry, *statements) -> None:
    with registry._engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def _row(registry: Registry, table, run_id: str) -> dict:
    with registry._engine.connect() as conn:
        return dict(conn.execute(sa.select(table).where(table.c.run_id == run_id)).one()._mapping)


def _forge_chain(registry: Registry, key: bytes | None = None) -> None:
    """What a forger with write access (and ``key``, if given) does: make every chain entry
    agree with the rows as they now stand, re-sealing the whole chain."""
    with registry._engine.begin() as conn:
        seals = {("start", r.run_id): r.start_hash for r in conn.execute(sa.select(runs))}
        seals |= {("outcome", r.run_id): r.outcome_hash
                  for r in conn.execute(sa.select(run_outcomes))}
        prev = "0" * 64
        for entry in conn.execute(sa.select(record_chain).order_by(record_chain.c.seq)).all():
            record = seals[(entry.part, entry.run_id)]
            new = chain_hash(entry.seq, entry.run_id, entry.part, record, prev, key)
            conn.execute(sa.update(record_chain).where(record_chain.c.seq == entry.seq).values(
                record_hash=record, prev_hash=prev, chain_hash=new, keyed=key is not None))
            prev = new


def _edit_metrics(registry: Registry, run_id: str) -> None:
    """Edit metrics_json and recompute the outcome's own record hash, as issue 7 did."""
    row = _row(registry, run_outcomes, run_id)
    row["metrics_json"] = row["metrics_json"].replace('"trade_count":', '"trade_count":1', 1)
    start = _row(registry, runs, run_id)["start_hash"]
    _sql(registry, sa.update(run_outcomes).where(run_outcomes.c.run_id == run_id).values(
        metrics_json=row["metrics_json"], outcome_hash=outcome_hash(start, outcome_values(row))))


def _three_runs(registry: Registry, fakes) -> list[str]:
    ids = []
    for period in (2, 3, 4):
        result, data, strategy = fakes.run_fake(period=period)
        ids.append(registry.record(result, data, strategy=strategy))
    return ids


def test_deleting_an_outcome_row_is_caught_and_rerun_refuses(registry, fakes) -> None:
    first, middle, last = _three_runs(registry, fakes)
    _sql(registry, sa.delete(run_outcomes).where(run_outcomes.c.run_id == middle))
    with pytest.raises(RegistryIntegrityError, match="outcome row was deleted"):
        registry.get(middle)
    with pytest.raises(RegistryIntegrityError, match="outcome row was deleted"):
        registry.rerun(middle, lambda name: fakes.FakeEngine(), fakes.load_strategy)
    problems = registry.verify()
    assert len(problems) == 1 and middle in problems[0]
    listed = registry.scan()
    assert [(i.run_id, i.problem is None) for i in listed] == [
        (first, True), (middle, False), (last, True)]


def test_deleting_a_whole_run_is_caught(registry, fakes) -> None:
    first, middle, last = _three_runs(registry, fakes)
    _sql(registry,
         sa.delete(run_outcomes).where(run_outcomes.c.run_id == middle),
         sa.delete(runs).where(runs.c.run_id == middle))
    assert any(f"run {middle}" in p and "was deleted" in p for p in registry.verify())
    listed = registry.scan()
    assert [i.run_id for i in listed if i.record] == [first, last]
    assert [i.run_id for i in listed if i.problem] == [middle]
    with pytest.raises(RegistryIntegrityError, match="deleted"):
        registry.runs()
    # Deleting its chain entries as well breaks the chain's links instead.
    _sql(registry, sa.delete(record_chain).where(record_chain.c.run_id == middle))
    assert any("entries 3..4 are missing" in p for p in registry.verify())


def test_editing_metrics_and_recomputing_the_record_hash_is_caught(registry, fakes) -> None:
    _, middle, _ = _three_runs(registry, fakes)
    _edit_metrics(registry, middle)
    with pytest.raises(RegistryIntegrityError, match="differs from the one the hash chain sealed"):
        registry.get(middle)
    assert [p for p in registry.verify() if middle in p]
    # A forger who re-seals the whole chain too is caught by the result artifact's metrics...
    _forge_chain(registry)
    assert registry.get(middle).metrics is not None
    problems = registry.verify()
    assert len(problems) == 1 and "stored metrics differ" in problems[0]
    with pytest.raises(RegistryIntegrityError, match="stored metrics differ"):
        registry.rerun(middle, lambda name: fakes.FakeEngine(), fakes.load_strategy)


def test_a_forger_without_the_key_is_caught(registry_location, fakes) -> None:
    location, artifacts = registry_location
    with Registry.open(location, artifacts_dir=artifacts, key=KEY) as registry:
        _, middle, _ = _three_runs(registry, fakes)
        # Re-tag a run and re-seal its record and the whole chain, without the key.
        row = _row(registry, runs, middle)
        row["tags_json"] = '["published"]'
        new_start = start_hash(start_values(row))
        outcome = _row(registry, run_outcomes, middle)
        _sql(registry,
             sa.update(runs).where(runs.c.run_id == middle).values(
                 tags_json=row["tags_json"], start_hash=new_start),
             sa.update(run_outcomes).where(run_outcomes.c.run_id == middle).values(
                 outcome_hash=outcome_hash(new_start, outcome_values(outcome))))
        _forge_chain(registry, key=b"guessed")
        assert any("does not match its seal under the registry key" in p
                   for p in registry.verify())
        _forge_chain(registry, key=None)  # or downgrade to plain sha256
        problems = registry.verify()
        assert any("newest entry" in p and "not sealed with the key" in p for p in problems)
    # Without the key, the same forgery cannot be told from a clean registry: the documented
    # limit of an unkeyed chain (ADR 0006).
    with Registry.open(location, artifacts_dir=artifacts) as unkeyed:
        assert unkeyed.verify() == []


def test_a_keyed_registry_needs_its_key_to_verify(registry_location, fakes) -> None:
    location, artifacts = registry_location
    with Registry.open(location, artifacts_dir=artifacts, key=KEY) as registry:
        _three_runs(registry, fakes)
        assert registry.verify() == []
    with Registry.open(location, artifacts_dir=artifacts) as without:
        assert any("set FINBOT_REGISTRY_KEY" in p for p in without.verify())
    with Registry.open(location, artifacts_dir=artifacts, key=b"wrong") as wrong:
        assert len(wrong.verify()) == 6


def test_records_made_before_the_key_are_covered_by_the_next_keyed_one(
    registry_location, fakes
) -> None:
    location, artifacts = registry_location
    with Registry.open(location, artifacts_dir=artifacts) as plain:
        _three_runs(plain, fakes)
    with Registry.open(location, artifacts_dir=artifacts, key=KEY) as keyed:
        assert any("newest entry" in p for p in keyed.verify())
        result, data, _ = fakes.run_fake(period=5)
        keyed.record(result, data)
        assert keyed.verify() == []


def test_the_database_integrity_check_runs(registry) -> None:
    report = registry.check()
    assert report.problems == ()
    if registry.dialect == "sqlite":
        assert any("PRAGMA integrity_check" in n for n in report.notes)
    else:
        assert any("amcheck" in n for n in report.notes)
        with registry._engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        assert any("bt_index_check ran on" in n for n in registry.check().notes)


def test_sqlite_foreign_key_check_finds_an_orphaned_outcome(tmp_path, fakes) -> None:
    with Registry.open(tmp_path / "reg") as registry:
        result, data, _ = fakes.run_fake()
        run_id = registry.record(result, data)
        # As in the sqlite3 shell, where foreign keys are off: the start row can go alone.
        with contextlib.closing(sqlite3.connect(tmp_path / "reg" / "registry.sqlite")) as db:
            db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            db.commit()
        problems = registry.verify()
        assert any("foreign_key_check" in p for p in problems)
        assert any("was deleted" in p for p in problems)
