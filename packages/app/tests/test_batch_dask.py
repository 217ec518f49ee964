"""A real Dask LocalCluster runs a batch with injected failures; an existing cluster runs one."""

from __future__ import annotations

import time
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


def test_a_run_stuck_in_c_code_on_a_started_cluster_has_its_worker_killed_and_the_rest_run(
    tmp_path: Path,
) -> None:
    # `stuck` sleeps in one C call: the soft deadline (raised in the worker thread) cannot stop
    # it; `gil` blocks in C holding the GIL, so not even the worker's own threads run. One
    # worker, one run per task: the run waiting on that worker behind a stuck one is lost with
    # it and must be sent again without counting as a failed attempt.
    spec = parse_batch(
        {
            "strategy": f"{SOURCE}:Flaky",
            "grid": {"mode": ["stuck", "gil", "ok", "raise"]},
            "start": "2021-01-01",
            "end": "2021-06-30",
            "execution": {"timeout_seconds": 1.0, "retries": 0, "task_seconds": 0.001},
        }
    )
    began = time.monotonic()
    with Registry.open(tmp_path / "registry") as registry:
        report = run_batch(
            plan_batch(spec), DaskExecutor(local_workers=1, grace_seconds=1.0), registry=registry
        )
        failed = {r.run_id for r in registry.runs(status="failed")}
    elapsed = time.monotonic() - began
    by_mode = {r.params["mode"]: r for r in report.rows}
    for stuck in (by_mode["stuck"], by_mode["gil"]):
        assert (stuck.status, stuck.failure, stuck.attempts) == (
            RunStatus.FAILED, FailureKind.TIMEOUT, 1
        )
        assert "hard limit of 2 s" in (stuck.error or "") and "killed" in (stuck.error or "")
        assert stuck.run_id in failed
    ok = by_mode["ok"]
    assert (ok.status, ok.attempts, ok.history) == (RunStatus.SUCCEEDED, 1, [])
    assert by_mode["raise"].failure is FailureKind.STRATEGY_EXCEPTION
    # Not waited out: the stuck call sleeps for 60 s.
    assert elapsed < 40, f"the batch took {elapsed:.1f} s"


def test_on_an_existing_cluster_a_stuck_run_is_abandoned_unless_restarts_are_allowed() -> None:
    import dask
    from distributed import Client, LocalCluster

    spec = parse_batch(
        {
            "strategy": f"{SOURCE}:Flaky",
            "grid": {"mode": ["stuck", "ok"]},
            "start": "2021-01-01",
            "end": "2021-06-30",
            "execution": {"timeout_seconds": 1.0, "retries": 0, "task_seconds": 0.001},
        }
    )
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"}),
        LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                     dashboard_address=":0") as cluster,
        Client(cluster) as observer,
    ):
        [first] = observer.scheduler_info()["workers"]
        # By default the cluster is left alone: the run is given up, its thread stays busy.
        kept = run_batch(plan_batch(spec), DaskExecutor(scheduler=cluster.scheduler_address,
                                                        grace_seconds=1.0))
        [same] = observer.scheduler_info()["workers"]
        # Allowed: the worker is restarted through its nanny.
        restarted = run_batch(plan_batch(spec), DaskExecutor(
            scheduler=cluster.scheduler_address, grace_seconds=1.0, restart_stuck_workers=True
        ))
        observer.wait_for_workers(1, timeout=30)
        [new] = observer.scheduler_info()["workers"]
    for report in (kept, restarted):
        by_mode = {r.params["mode"]: r for r in report.rows}
        assert (by_mode["stuck"].failure, by_mode["ok"].status) == (
            FailureKind.TIMEOUT, RunStatus.SUCCEEDED
        )
    assert "abandoned" in (kept.rows[0].error or "") and same == first
    assert "restarted" in (restarted.rows[0].error or "") and new != first
