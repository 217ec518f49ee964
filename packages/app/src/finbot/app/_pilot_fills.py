"""The pilot's fill realism and latency sweep: the same runs on each engine, fill by fill."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from finbot.contracts import (
    BacktestEngine,
    BacktestResult,
    ConfigError,
    EngineRunError,
    FillPolicy,
    MarketData,
    NativeExecution,
)
from finbot.parity import FillDifferenceReport, fill_differences

from . import _backtest, _wiring

BASELINE = "backtrader"
NATIVE = "nautilus-native"
ENGINES = (BASELINE, NATIVE, "sim", "paper")
REAL_FILES = ("orcl-1995-2014.txt", "nvda-1999-2014.txt", "yhoo-1996-2014.txt")
GOLDEN = ("sma_crossover", "bollinger_reversion", "momentum_rotation")
# Sub-bar latencies of issue 12, in ms; "one bar" is added per dataset (its bar interval).
LATENCIES_MS = (0.0, 10.0, 100.0, 1_000.0)
COMMISSION_BPS = 10.0  # ADR 0026: the evaluation's costs


@dataclass(frozen=True, slots=True)
class Case:
    """One (strategy, dataset) pair of ADR 0026; ``data`` empty means the golden dataset."""

    strategy: str
    data: tuple[Path, ...] = ()

    @property
    def label(self) -> str:
        where = self.data[0].name.split("-")[0].upper() if self.data else "golden"
        return f"{self.strategy} / {where}"


def pilot_cases(samples: Path, *, strategies: Sequence[str] = GOLDEN) -> tuple[Case, ...]:
    """The golden strategies on the golden data and golden strategy 1 on each real file.

    Raises:
        ConfigError: A real sample file is missing (names the folder and file).
    """
    missing = [name for name in REAL_FILES if not (samples / name).is_file()]
    if missing:
        raise ConfigError(
            f"pilot evaluate needs the real sample files in {samples}: missing {', '.join(missing)}"
            " (pass --samples DIR)"
        )
    golden = tuple(Case(s) for s in strategies)
    return golden + tuple(Case(GOLDEN[0], (samples / name,)) for name in REAL_FILES)


@dataclass(frozen=True, slots=True)
class EngineRun:
    """One engine's run of a case: its result, or why it failed."""

    engine: str
    result: BacktestResult | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FillRow:
    """One engine against the baseline on one case and fill policy."""

    case: str
    policy: str
    engine: str
    fills: int | None
    report: FillDifferenceReport | None
    at_open: float | None  # share of the engine's fills priced at their bar's open
    at_close: float | None
    final_equity: float | None
    error: str | None


@dataclass(frozen=True, slots=True)
class LatencyRow:
    """Native mode with one latency against native without latency, on one case."""

    case: str
    latency_ms: float
    label: str
    fills: int | None
    paired: int
    moved_share: float | None  # paired fills that filled on a later bar
    one_bar_share: float | None  # paired fills exactly one bar later
    at_open: float | None  # share of the fills priced at their bar's open (see price_shares)
    at_close: float | None
    mean_cost_bp: float | None
    total_return: float | None
    sharpe: float | None
    error: str | None


def with_latency(prepared: _backtest.PreparedRun, latency_ms: float) -> _backtest.PreparedRun:
    """``prepared`` on Nautilus native mode with a simulated latency in its config.

    The latency is ``RunConfig.native.latency_ms``; everything else at its defaults (ADR 0025).
    """
    on_native = prepared.on_engine(NATIVE)
    native = NativeExecution(latency_ms=latency_ms)
    return replace(on_native, config=on_native.config.model_copy(update={"native": native}))


def prepare(case: Case, policy: FillPolicy) -> _backtest.PreparedRun:
    config = _backtest.make_config(
        strategy=case.strategy,
        data=list(case.data),
        fill_policy=policy,
        commission_bps=COMMISSION_BPS,
        engine=BASELINE,
    )
    return _backtest.prepare_run(config)


def run_engine(
    prepared: _backtest.PreparedRun, name: str, engine: BacktestEngine | None = None
) -> EngineRun:
    """Run ``prepared`` on engine ``name``; a failed run is recorded, not raised."""
    try:
        engine = engine or _wiring.make_engine(name)
        result = _backtest.run_prepared(prepared.on_engine(engine.name), engine=engine)
    except (EngineRunError, ConfigError) as exc:
        return EngineRun(name, None, f"{type(exc).__name__}: {exc}")
    return EngineRun(name, result)


def price_shares(result: BacktestResult, data: MarketData) -> tuple[float, float]:
    """Shares of the fills priced at their bar's open and at its close."""
    bars = {iid: data.bars(iid) for iid in data.instrument_ids}
    index = {iid: {ts: i for i, ts in enumerate(s.ts_ns)} for iid, s in bars.items()}
    at_open = at_close = 0
    for fill in result.fills:
        i = index[fill.instrument_id].get(fill.ts_ns)
        if i is None:
            continue
        series = bars[fill.instrument_id]
        at_open += math.isclose(fill.price, series.open[i], rel_tol=1e-9)
        at_close += math.isclose(fill.price, series.close[i], rel_tol=1e-9)
    n = len(result.fills) or 1
    return at_open / n, at_close / n


def fill_realism(
    cases: Sequence[Case],
    *,
    engines: Sequence[str] = ENGINES,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[FillRow, ...]:
    """Every case under both fill policies on every engine, each compared with Backtrader."""
    rows: list[FillRow] = []
    for case in cases:
        for policy in FillPolicy:
            prepared = prepare(case, policy)
            runs = []
            for name in engines:
                progress(f"fills: {case.label}, {policy.value}, {name}")
                runs.append(run_engine(prepared, name))
            base = runs[0].result
            for run in runs:
                rows.append(_fill_row(case, policy, run, base, prepared.data))
    return tuple(rows)


def _fill_row(
    case: Case, policy: FillPolicy, run: EngineRun, base: BacktestResult | None, data: MarketData
) -> FillRow:
    if run.result is None:
        return FillRow(
            case.label, policy.value, run.engine, None, None, None, None, None, run.error
        )
    report = fill_differences(base, run.result) if base is not None else None
    at_open, at_close = price_shares(run.result, data)
    return FillRow(
        case.label,
        policy.value,
        run.engine,
        len(run.result.fills),
        report,
        at_open,
        at_close,
        run.result.metrics.final_equity,
        None,
    )


def bar_interval_ms(data: MarketData) -> float:
    """The smallest gap between two steps of the data, in ms (what "one bar" of latency is)."""
    stamps = sorted({ts for iid in data.instrument_ids for ts in data.bars(iid).ts_ns})
    gap = min((b - a for a, b in pairwise(stamps)), default=0)
    if gap <= 0:
        raise ConfigError(f"dataset {data.name!r} has fewer than two steps; no bar interval")
    return gap / 1e6


def latency_sweep(
    cases: Sequence[Case], *, progress: Callable[[str], None] = lambda _: None
) -> tuple[LatencyRow, ...]:
    """Native mode at 0, 10 ms, 100 ms, 1 s and one bar of latency, each against no latency."""
    rows: list[LatencyRow] = []
    for case in cases:
        prepared = prepare(case, FillPolicy.THIS_CLOSE)
        one_bar = bar_interval_ms(prepared.data)
        stamps = sorted(
            {ts for iid in prepared.data.instrument_ids for ts in prepared.data.bars(iid).ts_ns}
        )
        step = {ts: i for i, ts in enumerate(stamps)}
        latencies = [(ms, f"{ms:g} ms") for ms in LATENCIES_MS] + [(one_bar, "1 bar")]
        base: BacktestResult | None = None
        for ms, label in latencies:
            progress(f"latency: {case.label}, {label}")
            run = run_engine(with_latency(prepared, ms), NATIVE)
            if ms == 0.0:
                base = run.result
            rows.append(_latency_row(case, ms, label, run, base, step, prepared.data))
    return tuple(rows)


def _latency_row(
    case: Case,
    ms: float,
    label: str,
    run: EngineRun,
    base: BacktestResult | None,
    step: dict[int, int],
    data: MarketData,
) -> LatencyRow:
    result = run.result
    if result is None or base is None:
        error = run.error or "native run without latency failed"
        return LatencyRow(
            case.label, ms, label, None, 0, None, None, None, None, None, None, None, error
        )
    report = fill_differences(base, result)
    paired = report.matched
    moved = sum(1 for d in paired if (d.delay_ns or 0) > 0)
    one_bar = sum(
        1
        for d in paired
        if d.left is not None
        and d.right is not None
        and step.get(d.right.ts_ns, -1) - step.get(d.left.ts_ns, -1) == 1
    )
    n = len(paired)
    at_open, at_close = price_shares(result, data)
    return LatencyRow(
        case.label,
        ms,
        label,
        len(result.fills),
        n,
        moved / n if n else None,
        one_bar / n if n else None,
        at_open,
        at_close,
        report.mean_cost_bp,
        result.metrics.total_return,
        result.metrics.sharpe,
        None,
    )
