"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps.

Three hand-made daily bars; a market buy on the first fills at the second bar's open (next_open).
"""

from finbot.contracts import (
    Bar,
    BarSeries,
    DatasetRef,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategySpec,
)
from finbot.engine_nautilus import NautilusEngine

DAY = 86_400 * 10**9
bars = [
    Bar(1_704_153_600 * 10**9 + i * DAY, o, o + 1, o - 1, o, 1_000.0)
    for i, o in enumerate((10.0, 11.0, 12.0))
]
data = MarketData([Instrument(id="AAA")], [BarSeries.from_bars("AAA", bars)], name="smoke")


class BuyOnce(Strategy):
    strategy_id = "buy_once"

    def on_start(self, ctx):
        self.sent = False

    def on_bar(self, ctx, bars):
        if not self.sent:
            self.sent = bool(ctx.buy("AAA", 5))


engine = NautilusEngine()
config = RunConfig(
    strategy=StrategySpec(id="buy_once"), dataset=DatasetRef(name="smoke"), engine=engine.name
)
result = engine.run(config, BuyOnce(), data)
assert [(f.quantity, f.price) for f in result.fills] == [(5.0, 11.0)], result.fills
