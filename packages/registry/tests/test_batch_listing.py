"""``BatchStore.list``: batches newest first, each run counted once by its last attempt."""

from __future__ import annotations

import pytest

from finbot.registry import Registry


def test_batches_are_listed_newest_first_with_each_runs_final_status(registry: Registry) -> None:
    store = registry.batches
    older = store.create({"strategy": "a", "grid": {"slow": [9, 8], "fast": [1]}}, run_count=4)
    store.add(older, run_index=0, attempt=1, run_key="k0", status="succeeded", run_id="r0")
    # Retried twice, then failed: three rows, one run, counted once as failed.
    for attempt, status in ((1, "retried"), (2, "retried"), (3, "failed")):
        store.add(older, run_index=1, attempt=attempt, run_key="k1", status=status,
                  failure_kind="out_of_memory")
    # Retried, then the batch stopped before its retry ran.
    store.add(older, run_index=2, attempt=1, run_key="k2", status="retried",
              failure_kind="worker_lost")
    newer = store.create({"strategy": "b"}, run_count=2, name="second")
    store.add(newer, run_index=0, attempt=1, run_key="k0", status="succeeded", run_id="r0")

    listed = store.list()
    assert [item.record.batch_id for item in listed] == [newer, older]
    second, first = listed
    assert (second.record.name, dict(second.final), second.not_run) == (
        "second", {"succeeded": 1}, 1
    )
    assert dict(first.final) == {"failed": 1, "retried": 1, "succeeded": 1}
    assert first.not_run == 1  # run 3 has no row at all
    # The spec keeps the grid's parameters in the order given (it orders the runs).
    assert list(first.record.spec["grid"]) == ["slow", "fast"]  # type: ignore[call-overload]
    assert [item.record.batch_id for item in store.list(limit=1)] == [newer]


def test_an_empty_registry_lists_no_batches(registry: Registry) -> None:
    assert registry.batches.list() == []


def test_a_batch_is_found_by_a_unique_prefix_of_its_id(registry: Registry) -> None:
    from finbot.registry import RunNotFoundError

    first = registry.batches.create({"strategy": "a"}, run_count=1)
    second = registry.batches.create({"strategy": "b"}, run_count=1)
    assert registry.batches.get(first.lower()).batch_id == first
    # ULIDs made a moment apart share their leading (time) characters: a prefix of those is
    # ambiguous, one character more finds each.
    shared = next(n for n in range(26) if first[n] != second[n])
    assert shared >= 6
    assert registry.batches.get(second[: shared + 1]).batch_id == second
    with pytest.raises(RunNotFoundError, match="matches more than one batch"):
        registry.batches.get(first[:shared])
    with pytest.raises(RunNotFoundError, match="no batch"):
        registry.batches.get(first[:5])
