"""The wheel smoke every engine adapter shares: a three-bar backtest through the installed wheel.

Run by each engine's `tests/wheel_smoke.py` (through `.ci/release.py check`) in a venv that holds
only that engine's wheel and dependencies, so it needs finbot.contracts and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from finbot.contracts import (
    BacktestEngine,
    Bar,
    BarSeries,
    DatasetRef,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)

DAY_NS = 86_400 * 10**9
FIRST_NS = 1_704_153_600 * 10**9  # 2024-01-02 00:00 UTC


class BuyOnce(Strategy):
    """Buys 5 units at market on the first bar."""

    strategy_id = "buy_once"

    def on_start(self, ctx: StrategyContext) -> None:
        self.sent = False

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        if not self.sent:
            self.sent = bool(ctx.buy("AAA", 5))


def smoke_engine(engine: BacktestEngine) -> None:
    """A market buy on the first of three bars fills at the second bar's open (next_open)."""
    opens = (10.0, 11.0, 12.0)
    bars = [Bar(FIRST_NS + i * DAY_NS, o, o + 1, o - 1, o, 1_000.0) for i, o in enumerate(opens)]
    data = MarketData([Instrument(id="AAA")], [BarSeries.from_bars("AAA", bars)], name="smoke")
    config = RunConfig(
        strategy=StrategySpec(id="buy_once"), dataset=DatasetRef(name="smoke"), engine=engine.name
    )
    result = engine.run(config, BuyOnce(), data)
    assert [(f.quantity, f.price) for f in result.fills] == [(5.0, 11.0)], result.fills
