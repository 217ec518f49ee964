"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps.

A three-bar paper session end to end: the journal, the simulated broker and a checkpoint.
"""

import tempfile
from pathlib import Path

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
from finbot.paper_broker import CHECKPOINT_FILE, Journal, PaperSession, PaperSettings


class BuyOnce(Strategy):
    strategy_id = "buy_once"

    def on_bar(self, ctx, bars):
        if not ctx.position("AAA") and not ctx.open_orders():
            ctx.buy("AAA", 10)


DAY = 86_400 * 10**9
data = MarketData(
    [Instrument(id="AAA")],
    [BarSeries.from_bars("AAA", [Bar(i * DAY, 10.0, 11.0, 9.0, 10.0, 1e6) for i in range(3)])],
)
config = RunConfig(strategy=StrategySpec(id="buy_once"), dataset=DatasetRef(name="x"))
with tempfile.TemporaryDirectory() as directory:
    session = PaperSession.open(
        Path(directory), config=config, settings=PaperSettings(), strategy=BuyOnce(), data=data
    )
    result = session.run().result
    session.close()
    assert result is not None and [f.price for f in result.fills] == [10.0]
    kinds = [e.kind for e in Journal(Path(directory) / "journal.sqlite").entries()]
    assert kinds[1:4] == ["order_new", "order_accepted", "order_filled"], kinds
    assert (Path(directory) / CHECKPOINT_FILE).exists()
