"""Data paths that scale (issue 7): Parquet loading, memory per bar, a 10M-bar run. One process.

    uv run python benchmarks/data_paths.py load [--rows 1000000]
    uv run python benchmarks/data_paths.py memory [--bars 1000000]
    uv run python benchmarks/data_paths.py run --bars 1000000 --instruments 10

``load`` writes Parquet files of the same row count over 1, 100 and 1,000 instruments (and twice the
rows over 1) and times ``finbot.data.load_files`` on each, plus the per-instrument-mask split the
loader used before (the baseline, timed on the same frame): loading is linear in rows when the
ratios to the 1-instrument file stay near 1 (and 2 for twice the rows), whatever the instruments.
``memory`` measures with tracemalloc what finbot holds per bar: the ``MarketData`` (packed columns)
against the same values as tuples of Python objects (the form before), the extra peak of
``snapshot_id()``, and a whole run on the sim engine (finbot's runner, books and result). ``run``
runs golden strategy 1 on the sim engine over ``--instruments`` x ``--bars`` synthetic 5-minute
bars (1M bars of one instrument already span 50 years; pandas' nanosecond dates end in 2262) and
reports the time and the process's peak RSS (start it in its own process for a clean figure).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from workloads import PARAMS, make_config

from finbot.data import load_files, synthetic_intraday
from finbot.engine_sim import SimEngine
from finbot.strategies import SmaCrossover

MINUTE_NS = 60 * 10**9


def write_table(path: Path, rows: int, instruments: int) -> None:
    """``rows`` valid bars, ``instruments`` interleaved (one bar of each per 5-minute step)."""
    rng = np.random.default_rng(rows + instruments)
    step = np.arange(rows) // instruments
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.001, rows)))
    open_ = close * (1 + rng.normal(0, 0.0005, rows))
    table = pa.table({
        "ts": pa.array(1_262_615_400 * 10**9 + step * 5 * MINUTE_NS, pa.timestamp("ns", "UTC")),
        "instrument": [f"I{k:04d}" for k in range(instruments)] * (rows // instruments),
        "open": open_,
        "high": np.maximum(open_, close) * 1.001,
        "low": np.minimum(open_, close) * 0.999,
        "close": close,
        "volume": rng.integers(100, 10_000, rows).astype("float64"),
    })
    pq.write_table(table, path)


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def mask_split(path: Path) -> None:
    """The split the loader did before: one boolean mask over all rows per instrument."""
    frame = pq.read_table(path).to_pandas()
    ids = frame["instrument"]
    for iid in pd.unique(ids):
        mask = (ids == iid).to_numpy()
        frame.loc[mask]


def load(rows: int, repeat: int) -> None:
    cases = [(rows, 1), (rows, 100), (rows, 1000), (2 * rows, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n, k in cases:
            path = Path(tmp) / f"bars_{n}_{k}.parquet"
            write_table(path, n, k)
            results[(n, k)] = best_of(repeat, lambda p=path: load_files([p]))
            masks = best_of(repeat, lambda p=path: mask_split(p))
            print(f"{n:>10,} rows {k:>5} instruments: load_files {results[(n, k)]:6.2f} s   "
                  f"(old mask split alone {masks:6.2f} s)")
        base = results[(rows, 1)]
        print(f"ratio {rows:,} rows, 100 vs 1 instruments:   {results[(rows, 100)] / base:.2f}")
        print(f"ratio {rows:,} rows, 1000 vs 1 instruments:  {results[(rows, 1000)] / base:.2f}")
        print(f"ratio {2 * rows:,} vs {rows:,} rows, 1 instrument: "
              f"{results[(2 * rows, 1)] / base:.2f}")


def memory(bars: int) -> None:
    tracemalloc.start()
    data = synthetic_intraday(n_bars=bars)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    series = data.bars(data.instrument_ids[0])
    before = tracemalloc.get_traced_memory()[0]
    as_objects = [tuple(series.ts_ns.tolist())] + [
        tuple(getattr(series, name).tolist()) for name in ("open", "high", "low", "close", "volume")
    ]
    objects = tracemalloc.get_traced_memory()[0] - before
    del as_objects
    gc.collect()
    print(f"MarketData, packed columns:            {held / bars:7.1f} B/bar")
    print(f"the same columns as Python objects:    {objects / bars:7.1f} B/bar "
          f"(ratio packed/objects {held / objects:.2f})")
    tracemalloc.reset_peak()
    data.snapshot_id()
    print(f"snapshot_id() extra peak:              "
          f"{(tracemalloc.get_traced_memory()[1] - held) / bars:7.1f} B/bar")
    tracemalloc.reset_peak()
    result = SimEngine().run(make_config(data, "sim"), SmaCrossover(PARAMS), data)
    current, peak = tracemalloc.get_traced_memory()
    print(f"sim run, peak above the data:          {(peak - held) / bars:7.1f} B/bar")
    print(f"result kept after the run:             {(current - held) / bars:7.1f} B/bar "
          f"({len(result.fills):,} fills)")
    print(f"data + run peak:                       {peak / bars:7.1f} B/bar")


def run(bars: int, instruments: int) -> None:
    began = time.perf_counter()
    data = synthetic_intraday(n_bars=bars, instruments=instruments)
    bars = data.bar_count
    made = time.perf_counter()
    result = SimEngine().run(make_config(data, "sim"), SmaCrossover(PARAMS), data)
    done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{bars:,} bars: data {made - began:.1f} s, sim run {done - made:.1f} s, "
          f"{len(result.fills):,} fills, final equity {result.metrics.final_equity:,.2f}")
    print(f"peak RSS {peak_kib / 1024**2:.2f} GiB ({peak_kib * 1024 / bars:.0f} B/bar, "
          "the Python process included)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("load", "memory", "run"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--instruments", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    if args.what == "load":
        load(args.rows, args.repeat)
    elif args.what == "memory":
        memory(args.bars)
    else:
        run(args.bars, args.instruments)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
