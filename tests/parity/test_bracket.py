"""Bracket orders (an entry, then a stop-loss and a take-profit as one OCO once it fills) agree
exactly on every engine and never leave an unintended short."""

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
    Strategy,
    StrategyContext,
)


class Brackets(Strategy):
    """Every 10th bar of BRAVO, when flat and idle: a bracketed buy (market or limit entry)."""

    strategy_id = "brackets"

    def __init__(self, width: float, limit_entry: bool) -> None:
        super().__init__()
        self.width = width
        self.limit_entry = limit_entry

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        bar = bars.get("BRAVO")
        if bar is None or ctx.position("BRAVO") or ctx.open_orders("BRAVO"):
            return
        if ctx.bar_count("BRAVO") % 10:
            return
        close = bar.close
        entry = OrderRequest(
            instrument_id="BRAVO",
            side=OrderSide.BUY,
            quantity=50,
            order_type=OrderType.LIMIT if self.limit_entry else OrderType.MARKET,
            limit_price=round(close * 0.995, 2) if self.limit_entry else None,
        )
        ctx.bracket(
            entry,
            stop_loss=round(close * (1 - self.width), 2),
            take_profit=round(close * (1 + self.width), 2),
        )


@pytest.mark.parametrize(("width", "limit_entry"), [(0.02, False), (0.03, True)])
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_brackets_agree_on_every_engine_and_never_go_short(policy, width, limit_entry):
    bt = run_on_every_engine(lambda: Brackets(width, limit_entry), "brackets", policy)
    exits = [o for o in bt.orders if (o.request.tag or "").startswith("bracket ")]
    assert sum(o.status is OrderStatus.FILLED for o in exits) > 5
    assert sum(o.status is OrderStatus.CANCELED for o in exits) > 5
    assert_never_short(bt)
    # the result records the links (and the other engines agreed on them exactly)
    for stop, target in zip(exits[::2], exits[1::2], strict=True):
        entry = stop.request.tag.removeprefix("bracket ")  # type: ignore[union-attr]
        assert (stop.parent_id, target.parent_id) == (entry, entry)
        assert (stop.oco_group, target.oco_group) == (stop.order_id, stop.order_id)
    assert all(o.parent_id is None and o.oco_group is None for o in bt.orders if o not in exits)
