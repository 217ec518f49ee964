"""A 64-run sweep of golden strategy 1: direct engine calls vs the serial, local and Dask batch.

    uv run python benchmarks/sweep.py [--workers 2] [--repeat 5] [--json out.json]

In one run, ``--repeat`` rounds (after an untimed warm-up, so no variant pays for cold caches),
on the embedded golden dataset (8 fast x 8 slow SMA windows = 64 runs, Backtrader):
- direct: each run's engine called in a plain loop (strategy and data prepared once), the baseline;
- serial: ``run_batch`` on the serial executor (planning excluded, no registry): the batch
  machinery's own cost per run, as a ratio to direct (target <= 1.05);
- local: the process pool of ``--workers`` processes, pool start included (target >= 1.8x serial);
- dask: a LocalCluster of ``--workers`` workers started beforehand (an existing cluster, left
  running by the batch; its close is timed apart), and the same with the cluster start included
  (target >= 1.6x serial).
CPU seconds (this process and its children, running or reaped) beside wall seconds: on a loaded
machine they show what each executor costs over the serial batch, which wall time cannot.
Every variant must produce the same 64 final equities as direct, or the run stops.
Each round times every variant once, so drift in the machine's speed reaches all of them alike;
the figures are the median over rounds of each round's ratios, with their range beside them (a
2-core VM's run-to-run spread is a few percent, as large as the margins the targets ask about).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from dataclasses import replace

from finbot.app import (
    DaskExecutor,
    LocalExecutor,
    SerialExecutor,
    make_engine,
    parse_batch,
    plan_batch,
    prepare_run,
    run_batch,
)

GRID = {"fast": [4, 6, 8, 10, 12, 14, 16, 18], "slow": [30, 35, 40, 45, 50, 55, 60, 65]}


def direct(plan) -> tuple[float, list[float]]:
    engine = make_engine("backtrader")
    prepared = [prepare_run(run.config, data=plan.data[run.config.dataset.snapshot_id])
                for run in plan.runs]
    began = time.perf_counter()
    equities = [engine.run(p.config, p.new_strategy(), p.data).metrics.final_equity
                for p in prepared]
    return time.perf_counter() - began, equities


def cpu() -> float:
    """CPU seconds of this process and of its children, reaped or still running (pool or
    cluster workers), so a cluster's start and the batch on it can be told apart."""
    import psutil  # with distributed

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:  # gone meanwhile: counted once reaped
            continue
        live += times.user + times.system
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + live


def batch(plan, executor, *, start_first: bool = False) -> tuple[float, float, list[float]]:
    started = 0.0
    if start_first:
        t0, c0 = time.perf_counter(), cpu()
        executor.start(plan.data)
        started = time.perf_counter() - t0
        batch.start_cpu = cpu() - c0  # type: ignore[attr-defined]
    # A pool the batch starts is closed by it (timed); a cluster started beforehand stands for an
    # existing one, which the batch leaves running: its close is timed apart.
    began, c0 = time.perf_counter(), cpu()
    report = run_batch(plan, executor, close_executor=not start_first)
    elapsed = time.perf_counter() - began
    batch.run_cpu = cpu() - c0  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    executor.close()
    batch.close_seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    failed = [r for r in report.rows if r.metrics is None]
    if failed:
        raise SystemExit(f"{executor.name}: {len(failed)} runs failed: {failed[0].error}")
    return elapsed, started, [r.metrics.final_equity for r in report.rows]


def one_round(plan, workers: int) -> tuple[dict[str, float], dict[str, float], list[float]]:
    """Every variant once: wall seconds, CPU seconds, and direct's final equities."""
    seconds: dict[str, float] = {}
    cpus: dict[str, float] = {}
    c0 = cpu()
    seconds["direct"], reference = direct(plan)
    cpus["direct"] = cpu() - c0
    for name, executor in (("serial", SerialExecutor()), ("local", LocalExecutor(workers))):
        c0 = cpu()
        seconds[name], _, eq = batch(plan, executor)
        assert eq == reference, f"{name} batch differs from direct engine calls"
        cpus[name] = cpu() - c0
    c0 = cpu()
    seconds["dask"], seconds["dask_cluster_start"], eq = batch(
        plan, DaskExecutor(local_workers=workers), start_first=True
    )
    assert eq == reference, "dask batch differs from direct engine calls"
    seconds["dask_cluster_close"] = batch.close_seconds  # type: ignore[attr-defined]
    cpus["dask_with_cluster"] = cpu() - c0
    cpus["dask_cluster_start"] = batch.start_cpu  # type: ignore[attr-defined]
    cpus["dask_batch"] = batch.run_cpu  # type: ignore[attr-defined]
    return seconds, cpus, reference


def ratios(seconds: dict[str, float], cpus: dict[str, float]) -> dict[str, float]:
    """One round's figures that the targets speak of."""
    return {
        "serial_over_direct": seconds["serial"] / seconds["direct"],
        "batch_overhead_ms_per_run": (seconds["serial"] - seconds["direct"]) / 64 * 1000,
        "speedup_local": seconds["serial"] / seconds["local"],
        "speedup_dask": seconds["serial"] / seconds["dask"],
        "speedup_dask_with_cluster_start": seconds["serial"]
        / (seconds["dask"] + seconds["dask_cluster_start"]),
        "cpu_local_over_serial": cpus["local"] / cpus["serial"],
        "cpu_dask_with_cluster_over_serial": cpus["dask_with_cluster"] / cpus["serial"],
        "cpu_dask_batch_over_serial": cpus["dask_batch"] / cpus["serial"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()

    plan = plan_batch(parse_batch({"grid": GRID}))
    assert len(plan.runs) == 64
    # Warm-up: the first engine runs of a process pay for lazy imports and cold caches.
    direct(replace(plan, runs=plan.runs[:8]))
    rounds = []
    reference: list[float] | None = None
    load = [os.getloadavg()]
    for _ in range(args.repeat):
        seconds, cpus, equities = one_round(plan, args.workers)
        assert reference is None or equities == reference, "direct runs differ between rounds"
        reference = equities
        rounds.append({"seconds": seconds, "cpu_seconds": cpus, **ratios(seconds, cpus)})
        load.append(os.getloadavg())
    summary = {}
    for key in ratios(rounds[0]["seconds"], rounds[0]["cpu_seconds"]):
        values = [r[key] for r in rounds]
        summary[key] = {"median": statistics.median(values), "min": min(values),
                        "max": max(values)}
    figures = {
        "runs": 64,
        "workers": args.workers,
        "rounds": args.repeat,
        "cpus": os.cpu_count(),
        "load_average_before_and_after_each_round": load,
        "python": platform.python_version(),
        "median_seconds": {k: statistics.median(r["seconds"][k] for r in rounds)
                           for k in rounds[0]["seconds"]},
        "summary": summary,
        "per_round": rounds,
    }
    print(f"{args.repeat} rounds of a 64-run sweep, {args.workers} workers, "
          f"load average {load[0][0]:.2f} before, {max(x[0] for x in load):.2f} at most")
    for key, value in figures["median_seconds"].items():
        print(f"  {key + ' (s, median)':40} {value:.3f}")
    for key, value in summary.items():
        print(f"  {key:40} {value['median']:.3f}  (range {value['min']:.3f}-{value['max']:.3f})")
    if args.json_path:
        with open(args.json_path, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
