"""Profile one run of golden strategy 1 through an adapter (or natively) with cProfile.

    uv run python benchmarks/profile_adapter.py --engine nautilus --workload intraday \\
        [--bars N] [--native] [--top 25] [--out run.prof]

Prints where the time goes: own time grouped by package (finbot's runner and strategy, the
adapter, the engine, everything else), then the top functions by own and by cumulative time.
cProfile adds its own overhead per Python call, so read shares, not absolute seconds. It cannot
see inside compiled code called as a method (Nautilus's Cython): that time counts as the own time
of the Python function that called it (``NautilusEngine.run``'s own time is mostly
``BacktestEngine.run``; an adapter function that submits an order also carries the matching).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections import defaultdict
from pathlib import Path

from variants import ENGINES, adapter, native
from workloads import FULL_BARS, make_workload

# Most specific first: the first prefix a function's file path contains names its group.
GROUPS = (
    ("finbot.contracts (runner, context, models)", "/contracts/src/finbot/contracts/"),
    ("finbot.strategies (the strategy)", "/strategies/src/finbot/strategies/"),
    ("finbot.engine_backtrader (adapter)", "/engine-backtrader/src/"),
    ("finbot.engine_nautilus (adapter)", "/engine-nautilus/src/"),
    ("benchmarks (native strategy)", "/benchmarks/"),
    ("backtrader", "/backtrader/"),
    ("nautilus_trader", "/nautilus_trader/"),
    ("pydantic", "/pydantic"),
)


def group_of(filename: str) -> str:
    for name, marker in GROUPS:
        if marker in filename:
            return name
    if filename == "~":
        return "built-ins and compiled code (incl. Nautilus's Cython/Rust)"
    return "other Python (stdlib, decimal, ...)"


def by_group(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[group_of(filename)] += tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, default="backtrader")
    parser.add_argument("--workload", choices=sorted(FULL_BARS), default="daily")
    parser.add_argument("--bars", type=int, default=None, help="default: the full workload size")
    parser.add_argument("--native", action="store_true", help="profile the native variant")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=None, help="also save the raw profile here")
    args = parser.parse_args(argv)

    workload = make_workload(args.workload, args.bars or FULL_BARS[args.workload])
    run = (native if args.native else adapter)(args.engine, workload)
    outcome = run()  # warm-up, unprofiled: imports and first-call costs stay out
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    if args.out:
        profiler.dump_stats(str(args.out))

    stats = pstats.Stats(profiler)
    total = sum(t for _, t in by_group(stats))
    variant = "native" if args.native else "adapter"
    print(
        f"{variant} on {args.engine}, {workload.name} {workload.bars} bars, "
        f"{outcome.fills} fills; profiled total {total:.2f} s"
    )
    print("\nOwn time by group (compiled engine code counts for its Python caller):")
    for name, seconds in by_group(stats):
        print(f"  {seconds:8.3f} s  {100 * seconds / total:5.1f} %  {name}")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(key).print_stats(args.top)
        print(f"\nTop {args.top} by {title}:")
        print(buffer.getvalue().split("\n", 6)[-1].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
