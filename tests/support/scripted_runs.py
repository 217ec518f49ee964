"""Hand-made cross-engine cases: a scripted strategy, tiny markets and one run on both engines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from finbot.contracts import (
    BacktestResult,
    Bar,
    BarSeries,
    CostModel,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    to_ns,
)

DAYS = [to_ns(date(2024, 1, 2)) + i * 86_400 * 10**9 for i in range(5)]

Action = Callable[[StrategyContext], object]


class Scripted(Strategy):
    """Runs the actions scripted for each step (0-based), in order."""

    strategy_id = "scripted"

    def __init__(self, script: Mapping[int, list[Action]]) -> None:
        super().__init__()
        self.script = script
        self._step = -1

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self._step += 1
        for action in self.script.get(self._step, []):
            action(ctx)


def hand_made_market(**columns: tuple[tuple[tuple[float, ...], ...], list[int]]) -> MarketData:
    """``AAA=(rows of (open, high, low, close), timestamps)``: volume 1,000 on every bar."""
    return MarketData(
        [Instrument(id=iid) for iid in columns],
        [
            BarSeries.from_bars(
                iid, [Bar(ts, *row, 1_000.0) for ts, row in zip(stamps, rows, strict=True)]
            )
            for iid, (rows, stamps) in columns.items()
        ],
        name="hand-made",
    )


def run_on_both_engines(
    make_strategy: Callable[[], Strategy], data: MarketData, config: RunConfig
) -> tuple[BacktestResult, BacktestResult]:
    """The same config on Backtrader (baseline) and NautilusTrader, each with a fresh strategy."""
    from finbot.engine_backtrader import BacktraderEngine
    from finbot.engine_nautilus import NautilusEngine

    results = []
    for engine in (BacktraderEngine(), NautilusEngine()):
        config = config.model_copy(update={"engine": engine.name})
        results.append(engine.run(config, make_strategy(), data))
    return results[0], results[1]


def run_on_every_engine(
    make_strategy: Callable[[], Strategy],
    strategy_id: str,
    policy: FillPolicy,
    cost_model: CostModel | None = None,
) -> BacktestResult:
    """Golden data, broker-like costs: Backtrader's result, after Nautilus, sim and paper agreed.

    The order-kind parity tests (trailing stops, OCO, brackets, IOC/FOK, modify) share this run
    and check; every other engine must agree with Backtrader exactly. ``cost_model`` replaces
    the default (5 bps, 1.00 minimum).
    """
    from finbot.contracts import DatasetRef, StrategySpec
    from finbot.data import load_dataset
    from finbot.engine_backtrader import BacktraderEngine
    from finbot.engine_nautilus import NautilusEngine
    from finbot.engine_sim import SimEngine
    from finbot.paper_broker import PaperEngine
    from finbot.parity import EXACT, compare_results

    data = load_dataset("golden")
    config = RunConfig(
        strategy=StrategySpec(id=strategy_id),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=cost_model or CostModel(commission_bps=5.0, commission_minimum=1.0),
    )
    baseline = BacktraderEngine().run(config, make_strategy(), data)
    for engine in (NautilusEngine(), SimEngine(), PaperEngine()):
        other = engine.run(config.model_copy(update={"engine": engine.name}), make_strategy(), data)
        report = compare_results(baseline, other, EXACT)
        assert report.breaches == (), (engine.name, report.breaches)
    return baseline


def assert_never_short(result: BacktestResult) -> None:
    """No fill of the run leaves a position below zero."""
    held: dict[str, float] = {}
    for fill in result.fills:
        held[fill.instrument_id] = held.get(fill.instrument_id, 0.0) + fill.signed_quantity
        assert held[fill.instrument_id] >= 0.0, f"short after {fill}"
