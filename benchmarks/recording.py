"""Recording overhead: a backtest recorded in the registry against the same backtest unrecorded.

    uv run python benchmarks/recording.py [--bars 1000000] [--repeat 3] [--engine backtrader]
                                          [--json out.json]

Does what ``finbot backtest`` does with and without ``--no-record``, in one process, pairs
interleaved after one untimed warm-up of each: the unrecorded variant prepares the run and runs
the engine; the recorded variant also opens the registry, writes the ``running`` record before the
run and finishes it after (result artifact, dataset snapshot, chain entries). The registry persists
across the timed pairs, as it does across CLI invocations, so the dataset snapshot is pinned by
the warm-up and reused; the first (pinning) recording is timed and reported separately. Report:
the recording seconds themselves, and the ratio recorded/unrecorded as (a) total wall seconds
paired, (b) total process CPU seconds paired (waiting for a CPU on a shared machine does not
count), and (c) unrecorded wall seconds plus the measured recording seconds.
Target (issue 7): <= 1.05 at 1M bars. It never asserts on a time.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from workloads import make_config, make_data

from finbot.app import prepare_run, run_prepared, run_recorder
from finbot.contracts import MarketData

TARGET = 1.05


@dataclass
class Pair:
    """One interleaved pair: seconds of each variant and of the recording calls alone."""

    plain: float
    recorded: float
    recording: float
    plain_cpu: float
    recorded_cpu: float
    fills: int = 0


@dataclass
class Report:
    bars: int
    engine: str
    first_recording: float
    pairs: list[Pair] = field(default_factory=list)


def _plain(data: MarketData, engine: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, fills) of one unrecorded run."""
    began, cpu = time.perf_counter(), time.process_time()
    prepared = prepare_run(make_config(data, engine), data=data)
    result = run_prepared(prepared)
    return time.perf_counter() - began, time.process_time() - cpu, len(result.fills)


def _recorded(data: MarketData, engine: str, registry: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, wall seconds spent in the registry) of one recorded run."""
    began, cpu = time.perf_counter(), time.process_time()
    prepared = prepare_run(make_config(data, engine), data=data)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    with run_recorder(str(registry), True) as recorder:
        t1 = time.perf_counter()
        with recorder.running(prepared, started=started) as run_id:
            t2 = time.perf_counter()
            result = run_prepared(prepared)
            t3 = time.perf_counter()
        recorder.finished(result, prepared, started=started, run_id=run_id)
        t4 = time.perf_counter()
    t5 = time.perf_counter()
    recording = (t1 - t0) + (t2 - t1) + (t4 - t3) + (t5 - t4)
    return t5 - began, time.process_time() - cpu, recording


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="backtrader")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    data = make_data("intraday", args.bars)
    registry = Path(tempfile.mkdtemp(prefix="finbot-bench-registry-")) / "reg"
    _plain(data, args.engine)  # warm-up: imports, caches
    _, _, first = _recorded(data, args.engine, registry)  # warm-up that pins the dataset
    report = Report(bars=data.bar_count, engine=args.engine, first_recording=first)
    for _ in range(args.repeat):
        gc.collect()
        plain, plain_cpu, fills = _plain(data, args.engine)
        gc.collect()
        recorded, recorded_cpu, recording = _recorded(data, args.engine, registry)
        report.pairs.append(Pair(plain, recorded, recording, plain_cpu, recorded_cpu, fills))
        print(f"pair: unrecorded {plain:.2f} s ({plain_cpu:.2f} CPU), recorded {recorded:.2f} s "
              f"({recorded_cpu:.2f} CPU, of which recording {recording:.3f} s)", flush=True)

    plain_times = [p.plain for p in report.pairs]
    paired = statistics.median(p.recorded / p.plain for p in report.pairs)
    paired_cpu = statistics.median(p.recorded_cpu / p.plain_cpu for p in report.pairs)
    measured = statistics.median((p.plain + p.recording) / p.plain for p in report.pairs)
    size = sum(f.stat().st_size for f in registry.rglob("*") if f.is_file())
    median_plain = statistics.median(plain_times)
    print(f"{report.bars:,} bars on {args.engine}; unrecorded median {median_plain:.2f} s")
    print(f"recording seconds per run: median "
          f"{statistics.median(p.recording for p in report.pairs):.3f}; first run (pins the "
          f"dataset) {report.first_recording:.3f}")
    print(f"ratio recorded/unrecorded: paired wall median {paired:.3f}; paired CPU median "
          f"{paired_cpu:.3f}; unrecorded + recording {measured:.3f}; target <= {TARGET}")
    print(f"registry size after {args.repeat + 1} recorded runs: {size / 2**20:.1f} MiB")
    if args.json:
        args.json.write_text(json.dumps({
            "bars": report.bars, "engine": args.engine, "first_recording": first,
            "pairs": [p.__dict__ for p in report.pairs], "paired_ratio": paired,
            "paired_cpu_ratio": paired_cpu,
            "measured_ratio": measured, "registry_bytes": size,
        }, indent=2) + "\n")


if __name__ == "__main__":
    main()
