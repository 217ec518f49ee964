"""Where the Nautilus adapter's extra time goes: inclusive timers around its own steps.

    uv run python benchmarks/breakdown_nautilus.py [--workload daily|intraday] [--bars N]

A diagnostic, not a figure to quote: it wraps private functions of ``finbot.engine_nautilus`` and
``finbot.contracts.StrategyRunner`` with timers (a wrapped call costs ~1 microsecond more, so the
adapter's total here is a little higher than in run.py), then prints each one's inclusive time and
share of the adapter run, next to the native run's time. Timers nest (``_end_step`` includes
``runner.step``, which includes the strategy). A name the adapter no longer has is skipped.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from variants import native
from workloads import FULL_BARS, PARAMS, make_workload

import finbot.engine_nautilus._engine as adapter_engine
from finbot.contracts import StrategyRunner
from finbot.engine_nautilus import NautilusEngine
from finbot.strategies import SmaCrossover

TIMES: dict[str, float] = defaultdict(float)
clock = time.perf_counter

TIMED = (
    (adapter_engine, "price_precision", "build: price precision scan"),
    (adapter_engine, "feed", "build: Bar and TradeTick objects"),
    (StrategyRunner, "__init__", "StrategyRunner() (timeline)"),
    (StrategyRunner, "step", "StrategyRunner.step (incl. strategy)"),
    (SmaCrossover, "on_bar", "SmaCrossover.on_bar (via the context)"),
    (StrategyRunner, "result", "StrategyRunner.result (trades, metrics, snapshot id)"),
    (adapter_engine._Session, "flush", "_Session.flush (order events to the runner)"),
    (adapter_engine._Session, "_plan", "_Session._plan (contract fill rules)"),
    (adapter_engine._Session, "_end_step", "_Session._end_step (incl. step, flush, plan)"),
    (adapter_engine._Session, "_submit_at_open", "_Session._submit_at_open (incl. Nautilus)"),
    (adapter_engine.NautilusEngine, "_build", "NautilusEngine._build (incl. scan, feed)"),
    (adapter_engine.NautilusEngine, "_cross_check", "NautilusEngine._cross_check"),
)


def wrap(owner: Any, name: str, label: str) -> bool:
    inner = getattr(owner, name, None)
    if inner is None:
        print(f"note: {owner.__name__}.{name} no longer exists; not timed", file=sys.stderr)
        return False

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES[label] += clock() - began

    setattr(owner, name, timed)
    return True


def best_of(run: Callable[[], object], repeat: int) -> tuple[float, dict[str, float]]:
    best, parts = float("inf"), {}
    for _ in range(repeat):
        TIMES.clear()
        gc.collect()
        began = clock()
        run()
        took = clock() - began
        if took < best:
            best, parts = took, dict(TIMES)
    return best, parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(FULL_BARS), default="daily")
    parser.add_argument("--bars", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    workload = make_workload(args.workload, args.bars or FULL_BARS[args.workload])
    config = workload.config.model_copy(update={"engine": "nautilus"})
    native_run = native("nautilus", workload)
    native_run()  # warm-up
    native_s, _ = best_of(native_run, args.repeat)
    for owner, name, label in TIMED:
        wrap(owner, name, label)

    def adapter_run() -> object:
        return NautilusEngine().run(config, SmaCrossover(PARAMS), workload.data)

    adapter_run()  # warm-up
    adapter_s, parts = best_of(adapter_run, args.repeat)
    print(
        f"{workload.name}, {workload.bars} bars (best of {args.repeat}, wall): adapter "
        f"{adapter_s:.3f} s with timers, native {native_s:.3f} s; extra "
        f"{adapter_s - native_s:.3f} s = {1e6 * (adapter_s - native_s) / workload.bars:.1f} us/bar"
    )
    for label, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:8.3f} s  {100 * seconds / adapter_s:5.1f} %  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
