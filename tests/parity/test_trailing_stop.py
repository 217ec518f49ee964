"""A trailing stop (re-priced after each step from the close) agrees exactly on all engines."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from scripted_runs import run_on_every_engine

from finbot.contracts import (
    Bar,
    FillPolicy,
    OrderStatus,
    Strategy,
    StrategyContext,
)


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
    bt = run_on_every_engine(lambda: TrailAfterEntry(**trail), "trail_after_entry", policy)
    stops = [o for o in bt.orders if o.request.tag == "trailing stop"]
    # the flow really trails: stops are moved (canceled and replaced) and some are hit
    assert sum(o.status is OrderStatus.CANCELED for o in stops) > 10
    assert sum(o.status is OrderStatus.FILLED for o in stops) > 3
