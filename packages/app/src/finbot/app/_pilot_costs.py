"""The pilot's cost of each engine: throughput, start-up, memory per bar (measured in-run)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from finbot.contracts import EngineRunError, MarketData, RunConfig

from . import _backtest, _wiring
from ._pilot_fills import COMMISSION_BPS

ENGINES = ("backtrader", "nautilus", "nautilus-native", "sim")


@dataclass(frozen=True, slots=True)
class Throughput:
    """Golden strategy 1 on ``bars`` synthetic daily bars, best of ``repeat`` runs."""

    engine: str
    bars: int
    best_wall_s: float
    best_cpu_s: float

    @property
    def bars_per_s(self) -> float:
        return self.bars / self.best_wall_s


@dataclass(frozen=True, slots=True)
class ProcessCost:
    """A fresh process per measurement: start-up wall time and memory growth of one run."""

    engine: str
    startup_wall_s: float  # median: interpreter, imports, golden strategy 1 on the golden data
    rss_growth_bytes: int  # peak RSS growth over the run on ``bars`` bars, after a warm-up run
    bars: int

    @property
    def bytes_per_bar(self) -> float:
        return self.rss_growth_bytes / self.bars


def _config(engine: str) -> RunConfig:
    return _backtest.make_config(
        strategy="sma_crossover", commission_bps=COMMISSION_BPS, engine=engine
    )


def synthetic(bars: int) -> MarketData:
    from finbot.data import synthetic_daily

    return synthetic_daily(n_bars=bars)


def throughput(
    bars: int,
    repeat: int,
    *,
    engines: Sequence[str] = ENGINES,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[Throughput, ...]:
    """Each engine once untimed, then ``repeat`` interleaved timed runs; best wall and CPU."""
    data = synthetic(bars)
    prepared = {e: _backtest.prepare_run(_config(e), data=data) for e in engines}
    built = {e: _wiring.make_engine(e) for e in engines}
    walls: dict[str, list[float]] = {e: [] for e in engines}
    cpus: dict[str, list[float]] = {e: [] for e in engines}
    for i in range(repeat + 1):
        for e in engines if i % 2 else reversed(engines):
            progress(f"throughput: {e}, run {i} of {repeat}")
            w, c = time.perf_counter(), time.process_time()
            _backtest.run_prepared(prepared[e], engine=built[e])
            if i:  # run 0 is the warm-up
                walls[e].append(time.perf_counter() - w)
                cpus[e].append(time.process_time() - c)
    return tuple(Throughput(e, bars, min(walls[e]), min(cpus[e])) for e in engines)


# Runs in a fresh interpreter: argv = engine, bars, commission bp; prints one JSON line. Linux only:
# it resets the process's peak RSS through /proc/self/clear_refs so the peak is the run's alone.
_PROBE = """
import gc, json, sys
from finbot.app import make_config, prepare_run, run_prepared
from finbot.app._wiring import make_engine
from finbot.data import synthetic_daily
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
name, bars, bps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cfg = make_config(strategy="sma_crossover", engine=name, commission_bps=bps)
engine = make_engine(name)
run_prepared(prepare_run(cfg, data=synthetic_daily(n_bars=200)), engine=engine)
big = prepare_run(cfg, data=synthetic_daily(n_bars=bars))
gc.collect()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to the current RSS
before = status("VmRSS:")
run_prepared(big, engine=engine)
print(json.dumps({"rss_growth_kib": status("VmHWM:") - before}))
"""


def _python(code: str, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise EngineRunError(f"pilot probe process for {args} failed: {tail[0]}")
    return wall, done.stdout


_STARTUP = """
import sys
from finbot.app import make_config, prepare_run, run_prepared
bps = float(sys.argv[2])
cfg = make_config(strategy="sma_crossover", engine=sys.argv[1], commission_bps=bps)
run_prepared(prepare_run(cfg))
"""


def process_costs(
    bars: int,
    repeat: int,
    *,
    engines: Sequence[str] = ENGINES,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[ProcessCost, ...]:
    """Per engine: start-up (median wall of fresh processes) and memory growth of one run.

    Start-up: ``repeat`` fresh processes each run golden strategy 1 on the golden data
    (interpreter start and imports included). Memory: the peak RSS growth of one run on ``bars``
    synthetic daily bars in a fresh process, after a warm-up run (so imports are out).
    """
    costs = []
    for e in engines:
        progress(f"start-up and memory: {e}")
        walls = [_python(_STARTUP, e, str(COMMISSION_BPS))[0] for _ in range(repeat)]
        _, out = _python(_PROBE, e, str(bars), str(COMMISSION_BPS))
        growth = json.loads(out.strip().splitlines()[-1])["rss_growth_kib"] * 1024
        costs.append(ProcessCost(e, statistics.median(walls), growth, bars))
    return tuple(costs)
