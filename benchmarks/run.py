"""Benchmark golden strategy 1 through finbot's adapters against native engine code, in one run.

    uv run python benchmarks/run.py [--quick] [--repeat N] [--engines backtrader,nautilus,...]
                                    [--workloads daily,intraday] [--json out.json]

For each workload (daily, intraday) and engine the adapter and native variants run interleaved,
``--repeat`` times each, after one untimed warm-up; the report gives min and median seconds,
bars/second, and the adapter/native time ratio against its target. Before timing, the two variants
must agree on the fill count and the final equity (1e-6 relative); a disagreement is printed as a
WARNING and recorded in the JSON, because the ratio then compares different work.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from variants import ENGINES, Outcome, Run, adapter, available, native
from workloads import FULL_BARS, QUICK_BARS, Workload, make_workload

# Issue 3's targets; native mode is held to the Nautilus one (same per-bar driver and runner).
TARGETS = {"backtrader": 1.10, "nautilus": 1.25, "nautilus-native": 1.25}
EQUITY_REL_TOL = 1e-6


@dataclass
class Timings:
    """Wall-clock and process-CPU seconds of every timed run of one variant, in run order.

    On a shared machine wall time also counts time spent waiting for a CPU; CPU time does not,
    so it is the steadier figure when the load average is high.
    """

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_min(self) -> float:
        return min(self.cpu_seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


@dataclass
class Comparison:
    """One workload on one engine: both variants' timings, outcomes and the agreement check."""

    workload: str
    engine: str
    bars: int
    adapter: Timings
    native: Timings
    adapter_outcome: Outcome
    native_outcome: Outcome
    same_trades: bool

    @property
    def paired_ratios(self) -> list[float]:
        # Each repeat times the two variants back to back, so a pair shares the machine's mood.
        return [a / n for a, n in zip(self.adapter.seconds, self.native.seconds, strict=True)]

    @property
    def paired_cpu_ratios(self) -> list[float]:
        return [
            a / n for a, n in zip(self.adapter.cpu_seconds, self.native.cpu_seconds, strict=True)
        ]

    def summary(self) -> dict[str, Any]:
        ratios = self.paired_ratios
        cpu_ratios = self.paired_cpu_ratios
        return {
            "workload": self.workload,
            "engine": self.engine,
            "bars": self.bars,
            "adapter_s": self.adapter.seconds,
            "native_s": self.native.seconds,
            "adapter_cpu_s": self.adapter.cpu_seconds,
            "native_cpu_s": self.native.cpu_seconds,
            "adapter_min_s": self.adapter.min,
            "adapter_median_s": self.adapter.median,
            "native_min_s": self.native.min,
            "native_median_s": self.native.median,
            "adapter_bars_per_s_best": self.bars / self.adapter.min,
            "adapter_bars_per_s_median": self.bars / self.adapter.median,
            "native_bars_per_s_best": self.bars / self.native.min,
            "native_bars_per_s_median": self.bars / self.native.median,
            "ratio_of_mins": self.adapter.min / self.native.min,
            "ratio_of_medians": self.adapter.median / self.native.median,
            "paired_ratio_median": statistics.median(ratios),
            "paired_ratio_min": min(ratios),
            "cpu_ratio_of_mins": self.adapter.cpu_min / self.native.cpu_min,
            "cpu_paired_ratio_median": statistics.median(cpu_ratios),
            "adapter_cpu_bars_per_s_best": self.bars / self.adapter.cpu_min,
            "native_cpu_bars_per_s_best": self.bars / self.native.cpu_min,
            "target": TARGETS[self.engine],
            "adapter_outcome": asdict(self.adapter_outcome),
            "native_outcome": asdict(self.native_outcome),
            "same_trades": self.same_trades,
        }


def timed(run: Run) -> tuple[float, float, Outcome]:
    gc.collect()
    cpu = time.process_time()
    began = time.perf_counter()
    outcome = run()
    wall = time.perf_counter() - began
    return wall, time.process_time() - cpu, outcome


def agree(a: Outcome, b: Outcome) -> bool:
    return a.fills == b.fills and math.isclose(
        a.final_equity, b.final_equity, rel_tol=EQUITY_REL_TOL
    )


def compare(workload: Workload, engine: str, repeat: int) -> Comparison | None:
    """Time both variants of one engine on one workload; None (and a warning) if one fails."""
    variants = {"adapter": adapter(engine, workload), "native": native(engine, workload)}
    # Warm-up (untimed): first-call costs such as lazy imports stay out of the figures.
    outcomes = {}
    for name, run in variants.items():
        try:
            outcomes[name] = run()
        except Exception as exc:
            print(
                f"WARNING: {workload.name}/{engine}/{name} failed, so this pair is not timed: "
                f"{type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            return None
    same = agree(outcomes["adapter"], outcomes["native"])
    if not same:
        print(
            f"WARNING: {workload.name}/{engine}: adapter and native runs differ "
            f"(adapter {outcomes['adapter']}, native {outcomes['native']}); "
            "the ratio below compares different work",
            file=sys.stderr,
        )
    timings = {name: Timings() for name in variants}
    order = list(variants)
    for rep in range(repeat):
        # Alternate who goes first so neither variant always runs on a warmer or quieter machine.
        for name in order if rep % 2 == 0 else reversed(order):
            seconds, cpu_seconds, outcome = timed(variants[name])
            if outcome != outcomes[name]:
                print(
                    f"WARNING: {workload.name}/{engine}/{name}: a repeat gave {outcome}, the "
                    f"warm-up {outcomes[name]}; runs are not deterministic",
                    file=sys.stderr,
                )
            timings[name].seconds.append(seconds)
            timings[name].cpu_seconds.append(cpu_seconds)
        print(
            f"  {workload.name:8} {engine:15} repeat {rep + 1}/{repeat}: adapter "
            f"{timings['adapter'].seconds[-1]:.3f} s, native {timings['native'].seconds[-1]:.3f} s",
            file=sys.stderr,
        )
    return Comparison(
        workload=workload.name,
        engine=engine,
        bars=workload.bars,
        adapter=timings["adapter"],
        native=timings["native"],
        adapter_outcome=outcomes["adapter"],
        native_outcome=outcomes["native"],
        same_trades=same,
    )


def machine() -> dict[str, Any]:
    def pkg(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "backtrader": pkg("backtrader"),
        "nautilus_trader": pkg("nautilus_trader"),
    }


def report(results: list[Comparison]) -> str:
    lines = [
        "Times per run (wall = elapsed, cpu = this process's CPU time); bars/s from the wall min.",
        f"{'workload':9} {'engine':15} {'bars':>8} {'variant':8} {'wall min':>9} {'wall med':>9} "
        f"{'cpu min':>8} {'cpu med':>8} {'bars/s best':>12} {'bars/s med':>11}",
    ]
    for c in results:
        for name, t in (("adapter", c.adapter), ("native", c.native)):
            lines.append(
                f"{c.workload:9} {c.engine:15} {c.bars:>8} {name:8} {t.min:>9.3f} {t.median:>9.3f} "
                f"{t.cpu_min:>8.3f} {t.cpu_median:>8.3f} {c.bars / t.min:>12,.0f} "
                f"{c.bars / t.median:>11,.0f}"
            )
    lines.append("")
    lines.append(
        "Adapter time / native time (paired = median over repeats of the back-to-back pair)."
    )
    lines.append(
        f"{'workload':9} {'engine':15} {'wall mins':>9} {'wall meds':>9} {'wall paired':>11} "
        f"{'cpu mins':>8} {'cpu paired':>10} {'target':>6}  verdict  trades"
    )
    for c in results:
        s = c.summary()
        worst = max(s["paired_ratio_median"], s["cpu_paired_ratio_median"])
        best = min(s["paired_ratio_median"], s["cpu_paired_ratio_median"])
        verdict = "within" if worst <= s["target"] else "OVER" if best > s["target"] else "mixed"
        trades = (
            f"same ({c.adapter_outcome.fills} fills)"
            if c.same_trades
            else "DIFFERENT (see warning)"
        )
        lines.append(
            f"{c.workload:9} {c.engine:15} {s['ratio_of_mins']:>9.3f} "
            f"{s['ratio_of_medians']:>9.3f} "
            f"{s['paired_ratio_median']:>11.3f} {s['cpu_ratio_of_mins']:>8.3f} "
            f"{s['cpu_paired_ratio_median']:>10.3f} {s['target']:>6.2f}  {verdict:7}  {trades}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"smaller bar sets {QUICK_BARS} instead of {FULL_BARS}"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per variant (default 5)")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma-separated engines (default: backtrader,nautilus,nautilus-native)",
    )
    parser.add_argument(
        "--workloads",
        default="daily,intraday",
        help="comma-separated workloads (default: daily,intraday)",
    )
    parser.add_argument(
        "--bars", type=int, default=None, help="override the bar count of every workload"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = parser.parse_args(argv)
    args.engines = [e for e in args.engines.split(",") if e]
    args.workloads = [w for w in args.workloads.split(",") if w]
    bad = [e for e in args.engines if e not in ENGINES]
    if bad:
        parser.error(f"unknown engine(s) {', '.join(bad)}; choose from {', '.join(ENGINES)}")
    sizes = QUICK_BARS if args.quick else FULL_BARS
    bad = [w for w in args.workloads if w not in sizes]
    if bad:
        parser.error(f"unknown workload(s) {', '.join(bad)}; choose from {', '.join(sizes)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.sizes = {w: args.bars or sizes[w] for w in args.workloads}
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engines = []
    for engine in args.engines:
        why = available(engine)
        if why:
            print(f"skipping {engine}: {why}", file=sys.stderr)
        else:
            engines.append(engine)
    if not engines:
        print("no engine to benchmark", file=sys.stderr)
        return 2
    info = machine()
    print(
        f"machine: {info['cpus']} CPUs, {info['processor']}, Python {info['python']}, "
        f"load average {info['load_average'][0]:.2f}; backtrader {info['backtrader']}, "
        f"nautilus_trader {info['nautilus_trader']}",
        file=sys.stderr,
    )
    results = []
    started = time.perf_counter()
    for name in args.workloads:
        workload = make_workload(name, args.sizes[name])
        for engine in engines:
            comparison = compare(workload, engine, args.repeat)
            if comparison is not None:
                results.append(comparison)
    wall = time.perf_counter() - started
    print(report(results))
    if any(not c.same_trades for c in results):
        print(
            "WARNING: some adapter/native pairs did not trade the same; see above", file=sys.stderr
        )
    if args.json:
        payload = {
            "command": " ".join(
                ["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]
            ),
            "repeat": args.repeat,
            "machine": info,
            "load_average_after": os.getloadavg(),
            "wall_s": wall,
            "timed": "one engine run from in-memory columns to the finished result; "
            "data generation excluded",
            "results": [c.summary() for c in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
