"""A real Dask LocalCluster runs a batch with injected failures; an existing cluster runs one."""

from __future__ import annotations

from pathlib import Path

from batch_strategies import SOURCE

from finbot.app import DaskExecutor, FailureKind, RunStatus, parse_batch, plan_batch, run_batch
from finbot.registry import Registry


def test_a_dask_batch_survives_a_killed_worker_and_records_every_run(tmp_path: Path) -> None:
    # One worker: when it dies, nothing else holds the datasets. Scattered data died with it
    # ("lost dependencies" cancelled every later task, retries too); the datasets plugin sets
    # the replacement worker up again.
    marker = tmp_path / "killed"
    spec = parse_batch(
        {
            "strategy": f"{SOURCE}:Flaky",
            "params": {"marker": str(marker)},
            "grid": {"mode": ["ok", "raise", "kill_once"], "fraction": [0.3, 0.6]},
            "start": "2021-01-01",
            "end": "2021-06-30",
            "execution": {"retries": 2, "backoff_seconds": 0.01, "task_seconds": 0.001},
        }
    )
    with Registry.open(tmp_path / "registry") as registry:
        report = run_batch(plan_batch(spec), DaskExecutor(local_workers=1), registry=registry)
        recorded = {r.run_id for r in registry.runs()}
    assert report.executor == "dask" and report.workers == 1
    assert {r.run_id for r in report.rows} <= recorded and len(recorded) == 6
    assert marker.exists(), "no worker was killed"
    statuses = {(r.params["mode"], r.params["fraction"]): r for r in report.rows}
    for fraction in (0.3, 0.6):
        assert statuses[("ok", fraction)].status is RunStatus.SUCCEEDED
        raised = statuses[("raise", fraction)]
        assert (raised.failure, raised.attempts) == (FailureKind.STRATEGY_EXCEPTION, 1)
        assert statuses[("kill_once", fraction)].status is RunStatus.SUCCEEDED
    # The run whose worker died was retried once and then succeeded.
    killed = [r for r in report.rows if any("worker_lost" in h for h in r.history)]
    assert killed and all(r.status is RunStatus.SUCCEEDED for r in killed)


def test_an_existing_scheduler_runs_the_batch_and_a_run_in_a_worker_thread_times_out(
    tmp_path: Path,
) -> None:
    from distributed import LocalCluster

    # Threads, not processes: the runs execute in worker threads, where no signal arrives, so
    # the per-run timeout must come from the watchdog.
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster:
        spec = parse_batch(
            {
                "strategy": f"{SOURCE}:Flaky",
                "grid": {"mode": ["ok", "slow"]},
                "start": "2021-01-01",
                "end": "2021-12-31",
                "execution": {"timeout_seconds": 1.0, "task_seconds": 0.001},
            }
        )
        report = run_batch(plan_batch(spec), DaskExecutor(scheduler=cluster.scheduler_address))
    by_mode = {r.params["mode"]: r for r in report.rows}
    assert by_mode["ok"].status is RunStatus.SUCCEEDED
    slow = by_mode["slow"]
    assert (slow.status, slow.failure, slow.attempts) == (
        RunStatus.FAILED, FailureKind.TIMEOUT, 1
    )
    assert report.workers == 2
