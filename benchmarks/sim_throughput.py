"""Replay throughput of golden strategy 1: the sim engine against the Backtrader adapter, one run.

    uv run python benchmarks/sim_throughput.py [--bars 1000000] [--repeat 3] [--json out.json]

Both engines run ``SmaCrossover`` (golden defaults) on the same synthetic 5-minute bars under the
benchmark config (10 bp commission, ``next_open``). Backtrader runs once (it is the slow side); the
sim engine runs ``--repeat`` times after one untimed warm-up, and its best time is compared. Before
any figure is reported the two results must be identical (orders, fills, equity curve, metrics:
``finbot.parity.EXACT``); otherwise the script says so and exits 1, because the ratio would compare
different work. The issue's target is a ratio of at least 10.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path

from workloads import PARAMS, make_config

from finbot.contracts import BacktestResult, MarketData, RunConfig
from finbot.data import synthetic_intraday
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_sim import SimEngine
from finbot.parity import EXACT, compare_results
from finbot.strategies import SmaCrossover

TARGET = 10.0


def timed(
    engine: object, config: RunConfig, data: MarketData
) -> tuple[float, float, BacktestResult]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = engine.run(config, SmaCrossover(PARAMS), data)  # type: ignore[attr-defined]
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    data = synthetic_intraday(n_bars=args.bars)
    bars = len(data.bars(data.instrument_ids[0]))
    sim_config = make_config(data, "sim")
    bt_config = make_config(data, "backtrader")

    timed(SimEngine(), sim_config, data)  # warm-up
    bt_wall, bt_cpu, bt = timed(BacktraderEngine(), bt_config, data)
    sim_runs = [timed(SimEngine(), sim_config, data) for _ in range(args.repeat)]
    sim_wall = min(r[0] for r in sim_runs)
    sim_cpu = min(r[1] for r in sim_runs)
    report = compare_results(bt, sim_runs[0][2], EXACT)

    load = os.getloadavg()
    figures: dict[str, object] = {
        "bars": bars,
        "fills": len(bt.fills),
        "identical": report.ok,
        "backtrader_seconds": bt_wall,
        "backtrader_cpu_seconds": bt_cpu,
        "sim_seconds_min": sim_wall,
        "sim_cpu_seconds_min": sim_cpu,
        "sim_seconds_all": [r[0] for r in sim_runs],
        "backtrader_bars_per_s": bars / bt_wall,
        "sim_bars_per_s": bars / sim_wall,
        "ratio_wall": bt_wall / sim_wall,
        "ratio_cpu": bt_cpu / sim_cpu,
        "target": TARGET,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "load_average": load,
    }
    print(f"golden strategy 1, {bars:,} bars, {len(bt.fills)} fills on each engine")
    print(
        f"backtrader adapter: {bt_wall:7.2f} s wall, {bt_cpu:7.2f} s CPU, "
        f"{bars / bt_wall:10,.0f} bars/s"
    )
    print(
        f"sim engine (best of {args.repeat}): {sim_wall:7.2f} s wall, {sim_cpu:7.2f} s CPU, "
        f"{bars / sim_wall:10,.0f} bars/s"
    )
    print(
        f"ratio: {figures['ratio_wall']:.1f}x wall, {figures['ratio_cpu']:.1f}x CPU "
        f"(target >= {TARGET:.0f}x); load average {load[0]:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not report.ok:
        print(f"NOT COMPARABLE: the results differ: {report.breaches}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
