"""``ctx.modify_order`` agrees exactly on every engine: a working order keeps its id and works
with its new quantity and prices from the next bar."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from scripted_runs import run_on_every_engine

from finbot.contracts import (
    Bar,
    FillPolicy,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Strategy,
    StrategyContext,
)


class Chaser(Strategy):
    """A limit buy placed 3% under the close, raised each bar toward it (and grown by 10 units),
    until it fills; then a stop-limit exit whose trigger follows the close up, 1% under it."""

    strategy_id = "chaser"

    def __init__(self) -> None:
        super().__init__()
        self.entry: str | None = None
        self.exit: str | None = None
        self.changes: list[tuple[str, str | None]] = []  # (order id, refusal) per modify

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        if update.status.is_final and update.order_id in (self.entry, self.exit):
            # too late: a final order cannot change (refused, on every engine alike)
            self.changes.append((update.order_id, ctx.modify_order(update.order_id, quantity=1)))
            if update.order_id == self.entry:
                self.entry = None
            else:
                self.exit = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        bar = bars.get("CHARLIE")
        if bar is None:
            return
        close, held = bar.close, ctx.position("CHARLIE")
        if self.entry is not None:
            order = next(o for o in ctx.open_orders("CHARLIE") if o.order_id == self.entry)
            limit = order.request.limit_price or 0.0
            raised = round(limit + (close - limit) * 0.5, 2)
            self.changes.append(
                (
                    self.entry,
                    ctx.modify_order(
                        self.entry, limit_price=raised, quantity=order.request.quantity + 10
                    ),
                )
            )
        elif self.exit is not None:
            order = next(o for o in ctx.open_orders("CHARLIE") if o.order_id == self.exit)
            stop = round(close * 0.99, 2)
            if stop > (order.request.stop_price or 0.0):  # the trigger only moves up
                self.changes.append(
                    (self.exit, ctx.modify_order(self.exit, stop_price=stop, limit_price=stop - 1))
                )
        elif held:
            stop = round(close * 0.99, 2)
            self.exit = ctx.sell("CHARLIE", held, stop_price=stop, limit_price=stop - 1)
        elif ctx.bar_count("CHARLIE") % 4 == 0:
            self.entry = ctx.buy("CHARLIE", 30, limit_price=round(close * 0.97, 2))


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_modified_orders_agree_on_every_engine(policy):
    strategies: list[Chaser] = []

    def make() -> Chaser:
        strategies.append(Chaser())
        return strategies[-1]

    bt = run_on_every_engine(make, "chaser", policy)
    # every engine saw the same changes taken and refused
    assert all(s.changes == strategies[0].changes for s in strategies)
    taken = [oid for oid, why in strategies[0].changes if why is None]
    refused = [why for _, why in strategies[0].changes if why is not None]
    assert len(taken) > 50 and len(refused) > 50
    assert all(why.endswith("is not working") for why in refused)
    orders = {o.order_id: o for o in bt.orders}
    entries = [o for o in bt.orders if o.request.side == "buy"]
    exits = [o for o in bt.orders if o.request.order_type is OrderType.STOP_LIMIT]
    assert sum(o.status is OrderStatus.FILLED for o in entries) > 10
    assert sum(o.status is OrderStatus.FILLED for o in exits) > 5
    # the record holds the order as last changed: a chased entry grew by 10 per change
    for oid in {oid for oid in taken if orders[oid].request.side == "buy"}:
        assert orders[oid].request.quantity == 30 + 10 * taken.count(oid), orders[oid]
    for fill in bt.fills:
        assert fill.quantity == orders[fill.order_id].request.quantity
