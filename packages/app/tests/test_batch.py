from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from batch_strategies import Flaky
from finbot_fakes import BuyAndHold, FakeWiring

from finbot.app import (
    FailureKind,
    LocalExecutor,
    RunStatus,
    RunTimeoutError,
    SerialExecutor,
    _wiring,
    parse_batch,
    plan_batch,
    run_batch,
)
from finbot.app._batch_worker import classify
from finbot.contracts import ConfigError, DataValidationError, EngineRunError
from finbot.registry import Registry


@pytest.fixture
def registry(tmp_path: Path):
    with Registry.open(tmp_path / "registry") as reg:
        yield reg


@pytest.fixture
def flaky(fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch) -> FakeWiring:
    golden = {"buy_and_hold": BuyAndHold, "flaky": Flaky}
    monkeypatch.setattr(_wiring, "golden_strategies", lambda: golden)
    return fake_wiring


def test_a_serial_batch_records_every_run_under_its_batch_and_a_rerun_skips_them(
    fake_wiring: FakeWiring, registry: Registry
) -> None:
    plan = plan_batch(parse_batch({"grid": {"fraction": [0.2, 0.4, 0.6]}}))
    report = run_batch(plan, SerialExecutor(), registry=registry)
    assert [r.status for r in report.rows] == [RunStatus.SUCCEEDED] * 3
    assert report.batch_id is not None
    records = registry.runs(tag=f"batch:{report.batch_id}")
    assert sorted(r.run_id for r in records) == sorted(r.run_id for r in report.rows)
    # Each run pins the batch's dataset (once), not its own window.
    assert {r.dataset_snapshot_id for r in records} == set(plan.data)
    children = registry.batches.rows(report.batch_id)
    assert [(c.run_index, c.status, c.run_key) for c in children] == [
        (r.index, "succeeded", r.key) for r in report.rows
    ]
    # The metrics are the engine's, run by run.
    for row, (config, _, _) in zip(report.rows, fake_wiring.engine.calls, strict=True):
        assert config.strategy.params["fraction"] == row.params["fraction"]

    again = run_batch(plan, SerialExecutor(), registry=registry)
    assert [r.status for r in again.rows] == [RunStatus.SKIPPED] * 3
    assert len(fake_wiring.engine.calls) == 3  # nothing ran twice
    assert [r.metrics for r in again.rows] == [r.metrics for r in report.rows]
    assert [r.run_id for r in again.rows] == [r.run_id for r in report.rows]


def test_a_batch_stopped_midway_keeps_its_finished_runs_and_resumes_the_rest(
    fake_wiring: FakeWiring, registry: Registry
) -> None:
    plan = plan_batch(parse_batch({"grid": {"fraction": [0.1, 0.2, 0.3, 0.4]}}))

    def stop_after_two(progress) -> None:
        if progress.succeeded == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(plan, SerialExecutor(), registry=registry, on_progress=stop_after_two)
    assert len(registry.runs()) == 2
    resumed = run_batch(plan, SerialExecutor(), registry=registry)
    assert [r.status for r in resumed.rows].count(RunStatus.SKIPPED) == 2
    assert [r.status for r in resumed.rows].count(RunStatus.SUCCEEDED) == 2
    assert len(registry.runs()) == 4


def test_injected_failures_are_classified_and_only_transient_ones_retried(
    flaky: FakeWiring, registry: Registry, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    spec = parse_batch(
        {
            "strategy": "flaky",
            "params": {"marker": str(marker)},
            "grid": {"mode": ["ok", "raise", "slow", "kill_once", "oom"]},
            # One run per task, so the worker a run kills loses no other run.
            "execution": {
                "timeout_seconds": 0.5,
                "retries": 2,
                "backoff_seconds": 0.01,
                "task_seconds": 0.001,
            },
        }
    )
    report = run_batch(plan_batch(spec), LocalExecutor(workers=2), registry=registry)
    by_mode = {row.params["mode"]: row for row in report.rows}

    assert by_mode["ok"].status is RunStatus.SUCCEEDED and by_mode["ok"].attempts == 1
    raised = by_mode["raise"]
    assert (raised.status, raised.failure, raised.attempts) == (
        RunStatus.FAILED, FailureKind.STRATEGY_EXCEPTION, 1
    )
    assert "raised on purpose" in (raised.error or "")
    slow = by_mode["slow"]
    assert (slow.status, slow.failure, slow.attempts) == (
        RunStatus.FAILED, FailureKind.TIMEOUT, 1
    )
    killed = by_mode["kill_once"]
    assert marker.exists(), "the worker was never killed"
    assert (killed.status, killed.attempts) == (RunStatus.SUCCEEDED, 2)
    assert "worker_lost" in killed.history[0]
    oom = by_mode["oom"]
    # Transient, so retried until the retries ran out: 1 + 2 attempts.
    assert (oom.status, oom.failure, oom.attempts) == (
        RunStatus.FAILED, FailureKind.OUT_OF_MEMORY, 3
    )

    assert report.batch_id is not None
    children = registry.batches.rows(report.batch_id)
    kinds = sorted((c.status, c.failure_kind) for c in children if c.status != "succeeded")
    assert kinds == [
        ("failed", "out_of_memory"),
        ("failed", "strategy_exception"),
        ("failed", "timeout"),
        ("retried", "out_of_memory"),
        ("retried", "out_of_memory"),
        ("retried", "worker_lost"),
    ]
    failed_records = registry.runs(status="failed")
    assert len(failed_records) == 3


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (pickle.PicklingError("cannot pickle 'generator' object"), FailureKind.SERIALIZATION),
        (TypeError("cannot pickle '_thread.lock' object"), FailureKind.SERIALIZATION),
        (DataValidationError("bad row", source="x.csv"),
         FailureKind.BAD_DATA),
        (ConfigError("no bars between"),
         FailureKind.BAD_DATA),
        (MemoryError(), FailureKind.OUT_OF_MEMORY),
        (RunTimeoutError("late"), FailureKind.TIMEOUT),
        (EngineRunError("account mismatch"),
         FailureKind.ENGINE_ERROR),
    ],
)
def test_failures_seen_outside_a_run_are_classified(error: Exception, kind: FailureKind) -> None:
    assert classify(error) is kind


def test_the_deflated_sharpe_counts_every_trial_the_registry_holds(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    from finbot.app import plan_payload, run_sweep

    location = str(tmp_path / "registry")
    first = run_sweep(plan_payload({"grid": {"fraction": [0.1, 0.2, 0.3]},
                                    "execution": {"executor": "serial"}}), registry=location)
    [group] = first.statistics["groups"]
    assert group["deflated_sharpe"]["trials"] == 3
    # A second search of the same strategy on the same data: its best run is deflated for all
    # five distinct configurations tried so far (0.3 was already tried and is skipped).
    second = run_sweep(plan_payload({"grid": {"fraction": [0.3, 0.4, 0.5]},
                                     "execution": {"executor": "serial"}}), registry=location)
    [group] = second.statistics["groups"]
    assert group["deflated_sharpe"]["trials"] == 5
    assert group["pbo"]["trials"] == 3
    assert any("not meaningful" in w for w in group["warnings"])


def test_workers_see_the_datasets_known_gaps_so_a_declared_gap_is_no_failure(
    tmp_path: Path,
) -> None:
    import pickle

    from finbot.app import load_data, make_config

    market = load_data(make_config().dataset)
    assert market.known_gaps, "the golden dataset declares a halt (a known gap)"
    # What a worker that is not forked receives: the dataset pickled, calendar and gaps included.
    again = pickle.loads(pickle.dumps(market))
    assert (again.snapshot_id(), again.calendar, again.known_gaps) == (
        market.snapshot_id(), market.calendar, market.known_gaps
    )
    # A window over the declared gap runs in worker processes as it does here.
    spec = parse_batch({"grid": {"fast": [5, 10]}, "start": "2022-01-01", "end": "2022-06-30",
                        "execution": {"task_seconds": 0.001}})
    report = run_batch(plan_batch(spec), LocalExecutor(workers=2))
    assert [r.status for r in report.rows] == [RunStatus.SUCCEEDED] * 2, report.rows[0].error


def test_tasks_shrink_towards_the_end_so_the_workers_finish_together(
    fake_wiring: FakeWiring,
) -> None:
    import concurrent.futures as cf
    from datetime import UTC, datetime

    from finbot.app import SerialExecutor
    from finbot.app._batch_worker import RunOutcome

    class Instant(SerialExecutor):
        """Two workers whose every run 'took' 0.1 s: records the size of each task."""

        name, workers = "instant", 2

        def __init__(self) -> None:
            super().__init__()
            self.sizes: list[int] = []

        def submit(self, tasks, timeout):  # type: ignore[no-untyped-def]
            self.sizes.append(len(tasks))
            future: cf.Future[list[RunOutcome]] = cf.Future()
            future.set_result([RunOutcome(t.index, t.key, datetime.now(UTC), 0.1,
                                          failure=FailureKind.ENGINE_ERROR, error="x")
                               for t in tasks])
            return future

    spec = parse_batch({"grid": {"fraction": [round(0.01 * i, 2) for i in range(1, 65)]},
                        "execution": {"task_seconds": 1.0}})
    executor = Instant()
    report = run_batch(plan_batch(spec), executor)
    assert sorted(r.index for r in report.rows) == list(range(64))
    sizes = executor.sizes
    assert sum(sizes) == 64 and all(r.attempts == 1 for r in report.rows)
    # Single runs until one has been timed (two in flight per worker), then about task_seconds
    # of runs (10), never more than a quarter of what is left, shrinking to single runs.
    assert sizes[:4] == [1, 1, 1, 1] and max(sizes) == report.bundle_size == 10
    rest = sizes[4:]
    assert rest == sorted(rest, reverse=True) and rest[-1] == 1
    left = 60
    for size in rest:
        assert size <= -(-left // 4)
        left -= size
