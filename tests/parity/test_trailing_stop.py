"""A trailing stop (re-priced after each step from the close) agrees exactly on all engines."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from finbot.contracts import (
    Bar,
    CostModel,
    DatasetRef,
    FillPolicy,
    OrderStatus,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.engine_sim import SimEngine
from finbot.parity import EXACT, compare_results


class TrailAfterEntry(Strategy):
    """Buys ALPHA when flat (every 15th bar), then protects the position with a trailing stop."""

    strategy_id = "trail_after_entry"

    def __init__(self, **trail: float) -> None:
        super().__init__()
        self.trail = trail
        self.handle: str | None = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        if "ALPHA" not in bars:
            return
        held = ctx.position("ALPHA")
        if held and self.handle is None:
            self.handle = ctx.trailing_stop("ALPHA", held, **self.trail)
        elif not held and not ctx.open_orders("ALPHA"):
            self.handle = None
            if ctx.bar_count("ALPHA") % 15 == 0:
                ctx.buy("ALPHA", 100)


@pytest.mark.parametrize("trail", [{"percent": 3.0}, {"amount": 2.5}])
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_trailing_stops_agree_on_every_engine(policy, trail):
    data = load_dataset("golden")
    config = RunConfig(
        strategy=StrategySpec(id="trail_after_entry"),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_minimum=1.0),
    )
    bt = BacktraderEngine().run(config, TrailAfterEntry(**trail), data)
    stops = [o for o in bt.orders if o.request.tag == "trailing stop"]
    # the flow really trails: stops are moved (canceled and replaced) and some are hit
    assert sum(o.status is OrderStatus.CANCELED for o in stops) > 10
    assert sum(o.status is OrderStatus.FILLED for o in stops) > 3
    for engine in (NautilusEngine(), SimEngine()):
        other = engine.run(
            config.model_copy(update={"engine": engine.name}), TrailAfterEntry(**trail), data
        )
        report = compare_results(bt, other, EXACT)
        assert report.breaches == (), (engine.name, report.breaches)
