"""What a paper session costs on top of the simulated broker it runs on (ratio in one run).

Golden strategy 1 on the benchmark's bars, run interleaved on the ``sim`` engine (the simulated
broker alone) and as a paper session replayed at full speed (the same broker plus the risk
controls with every limit set wide, the lifecycle checks, the SQLite journal and fsync'd
checkpoints every ``--checkpoint-every`` events). Both must give the same fills and equity.
Usage: uv run python benchmarks/paper_replay.py [--workload daily] [--bars N] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from workloads import FULL_BARS, make_workload

from finbot.engine_sim import SimEngine
from finbot.paper_broker import JOURNAL_FILE, Journal, PaperSession, PaperSettings, RiskLimits
from finbot.strategies import SmaCrossover

WIDE = RiskLimits(
    max_position_units=1e12,
    max_position_notional=1e15,
    max_gross_exposure=1e15,
    max_net_exposure=1e15,
    max_order_notional=1e15,
    max_orders_per_window=1_000_000,
    drawdown_stop_pct=100,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", default="daily", choices=sorted(FULL_BARS))
    parser.add_argument("--bars", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    args = parser.parse_args()
    workload = make_workload(args.workload, args.bars or FULL_BARS[args.workload])
    data = workload.data
    sim_config = workload.config.model_copy(update={"engine": "sim"})
    paper_config = workload.config.model_copy(update={"engine": "paper"})
    settings = PaperSettings(risk=WIDE, checkpoint_every=args.checkpoint_every)
    sim_times, paper_times, events = [], [], 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sim = SimEngine().run(sim_config, SmaCrossover(workload.config.strategy.params), data)
        sim_times.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as directory:
            t0 = time.perf_counter()
            session = PaperSession.open(
                Path(directory), config=paper_config, settings=settings,
                strategy=SmaCrossover(workload.config.strategy.params), data=data,
            )
            paper = session.run().result
            session.close()
            paper_times.append(time.perf_counter() - t0)
            events = Journal(Path(directory) / JOURNAL_FILE).last_seq
        assert paper is not None and paper.fills == sim.fills
        assert paper.equity_curve == sim.equity_curve
    n = workload.bars
    sim_med, paper_med = statistics.median(sim_times), statistics.median(paper_times)
    print(f"{args.workload}: {n} bars, {len(sim.fills)} fills, {events} journaled events")
    print(f"sim engine     median {sim_med:.3f} s  ({n / sim_med:,.0f} bars/s)")
    print(f"paper session  median {paper_med:.3f} s  ({n / paper_med:,.0f} bars/s)")
    print(f"paper / sim (ratio of medians): {paper_med / sim_med:.2f}")


if __name__ == "__main__":
    main()
