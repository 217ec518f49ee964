"""``batch_history`` on hand-recorded batch rows: outcomes of unfinished runs, and labels of runs
with no record from the stored spec's grid (in the order the recorded runs fit)."""

from __future__ import annotations

from pathlib import Path

from finbot.app import batch_history, make_config
from finbot.registry import Registry


def test_a_batch_stored_with_its_grid_sorted_is_labelled_in_the_order_its_runs_fit(
    tmp_path: Path,
) -> None:
    with Registry.open(tmp_path / "registry") as registry:
        # Given as slow then fast (fast varying fastest), stored sorted by name, as batches
        # recorded before the spec kept the given order were.
        spec = {"grid": {"fast": [1, 2], "slow": [10, 20]}, "metric": "sharpe"}
        batch = registry.batches.create(spec, run_count=4)
        config = make_config(params={"fast": 2, "slow": 10})
        run_id = registry.record_failure(config, "engine_error: broke")
        store = registry.batches
        store.add(batch, run_index=1, attempt=1, run_key="k1", status="retried",
                  failure_kind="worker_lost", error="died")
        store.add(batch, run_index=1, attempt=2, run_key="k1", status="failed", run_id=run_id,
                  failure_kind="engine_error", error="broke")
        store.add(batch, run_index=2, attempt=1, run_key="k2", status="retried",
                  failure_kind="out_of_memory")
        history = batch_history(registry, batch[:8].lower())

    # In the sorted order run 1 would be fast=1, slow=20: its record says otherwise.
    assert [run.params for run in history.runs] == [
        {"slow": 10, "fast": 1}, {"slow": 10, "fast": 2},
        {"slow": 20, "fast": 1}, {"slow": 20, "fast": 2},
    ]
    outcomes = [run.outcome for run in history.runs]
    assert outcomes == [
        "not run",
        "retried, then failed (engine_error)",
        "retried, then not run again (the batch stopped)",
        "not run",
    ]
    assert history.runs[1].run_id == run_id
    assert history.runs[1].history() == [
        "attempt 1: retried (worker_lost): died", "attempt 2: failed (engine_error): broke"
    ]
    assert history.counts() == {"not run": 2, "failed": 1, "retried": 1}
    assert history.failure_counts() == {"engine_error": 1}
    assert history.retry_counts() == {"worker_lost": 1, "out_of_memory": 1}
    assert history.unfinished == 3
    assert (history.finish_hint() or "").startswith("3 run(s) of this batch were not run")


def test_labels_are_left_out_when_the_recorded_runs_fit_no_single_order(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "registry") as registry:
        spec = {"grid": {"fast": [1, 2], "slow": [10, 20]}}
        batch = registry.batches.create(spec, run_count=4)
        # Index 1 is (fast=1, slow=20) in one order and (slow=10, fast=2) in the other.
        run_id = registry.record_failure(make_config(params={"fast": 2, "slow": 20}), "x")
        registry.batches.add(batch, run_index=1, attempt=1, run_key="k", status="failed",
                             run_id=run_id, failure_kind="engine_error")
        history = batch_history(registry, batch)
    assert history.runs[1].params == {"fast": 2, "slow": 20}  # from its own record
    assert [run.params for run in history.runs if run.index != 1] == [None, None, None]
