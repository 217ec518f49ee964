"""One-cancels-other exits (a stop and a target on one position) agree exactly on every engine,
and never both fill: the position never goes short."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from scripted_runs import assert_never_short, run_on_every_engine

from finbot.contracts import (
    Bar,
    FillPolicy,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Strategy,
    StrategyContext,
    TimeInForce,
)


class StopAndTarget(Strategy):
    """Buys ALPHA every 10th bar when flat; once long, a stop and a target as one OCO group."""

    strategy_id = "stop_and_target"

    def __init__(self, width: float, tif: TimeInForce = TimeInForce.GTC) -> None:
        super().__init__()
        self.width = width
        self.tif = tif
        self.exits: list[str] = []

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        if update.order_id in self.exits and update.status.is_final:
            self.exits = []

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        if "ALPHA" not in bars:
            return
        held = ctx.position("ALPHA")
        close = bars["ALPHA"].close
        if held and not self.exits:
            leg = {"instrument_id": "ALPHA", "side": OrderSide.SELL, "quantity": held}
            self.exits = ctx.submit_oco(
                [
                    OrderRequest(
                        **leg,
                        order_type=OrderType.STOP,
                        stop_price=round(close * (1 - self.width), 2),
                        time_in_force=self.tif,
                    ),
                    OrderRequest(
                        **leg,
                        order_type=OrderType.LIMIT,
                        limit_price=round(close * (1 + self.width), 2),
                        time_in_force=self.tif,
                    ),
                ]
            )
        elif not held and not ctx.open_orders("ALPHA") and ctx.bar_count("ALPHA") % 10 == 0:
            ctx.buy("ALPHA", 100)


@pytest.mark.parametrize(
    ("width", "tif"), [(0.02, TimeInForce.GTC), (0.04, TimeInForce.GTC), (0.01, TimeInForce.DAY)]
)
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_oco_exits_agree_on_every_engine_and_never_go_short(policy, width, tif):
    bt = run_on_every_engine(lambda: StopAndTarget(width, tif), "stop_and_target", policy)
    exits = [o for o in bt.orders if o.request.side is OrderSide.SELL]
    assert sum(o.status is OrderStatus.FILLED for o in exits) > 5
    assert sum(o.status is OrderStatus.CANCELED for o in exits) > 5  # the other leg, each time
    assert_never_short(bt)
    # each pair is recorded as one group, named by its first order
    for stop, target in zip(exits[::2], exits[1::2], strict=True):
        assert (stop.oco_group, target.oco_group) == (stop.order_id, stop.order_id)
        assert stop.parent_id is None
