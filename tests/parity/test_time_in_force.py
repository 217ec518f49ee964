"""IOC and FOK orders agree exactly on every engine: what can fill on the order's first bar
fills, the rest is canceled on that bar's step, with the rule named."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

import pytest
from scripted_runs import run_on_every_engine

from finbot.contracts import (
    Bar,
    CostModel,
    FillPolicy,
    OrderStatus,
    OrderType,
    Strategy,
    StrategyContext,
    TimeInForce,
)
from finbot.contracts.engine import FOK_CANCELED, IOC_CANCELED
from finbot.data import load_dataset


class Immediate(Strategy):
    """Limit entries and exits near the close (and some market entries), all IOC or FOK.

    DELTA misses a session in the golden data, so an order also meets a step without its bar.
    """

    strategy_id = "immediate"

    def __init__(self, tif: TimeInForce) -> None:
        super().__init__()
        self.tif = tif

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        for iid in ("ALPHA", "DELTA"):
            bar = bars.get(iid)
            if bar is None or ctx.open_orders(iid):
                continue
            n = ctx.bar_count(iid)
            held = ctx.position(iid)
            if held:
                ctx.sell(iid, held, limit_price=round(bar.close * 1.004, 2), time_in_force=self.tif)
            elif n % 11 == 0:
                ctx.buy(iid, 40, time_in_force=self.tif)  # market: fills on the next bar
            elif n % 3 == 0:
                ctx.buy(iid, 40, limit_price=round(bar.close * 0.996, 2), time_in_force=self.tif)


# Fills capped at 0.004% of bar volume: 19 to 105 units on ALPHA, so the 40-unit orders are
# sometimes filled in part (IOC keeps the part, FOK takes none).
CAPPED = CostModel(commission_bps=5.0, commission_minimum=1.0, volume_limit=0.00004)


@pytest.mark.parametrize("capped", [False, True], ids=["whole", "volume-capped"])
@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_immediate_orders_agree_on_every_engine(policy, tif, capped):
    costs = CAPPED if capped else None
    bt = run_on_every_engine(lambda: Immediate(tif), "immediate", policy, costs)
    data = load_dataset("golden")
    stamps = {iid: list(data.bars(iid).ts_ns) for iid in data.instrument_ids}
    reason = IOC_CANCELED if tif is TimeInForce.IOC else FOK_CANCELED
    canceled = filled = partly = 0
    for o in bt.orders:
        if o.status is OrderStatus.FILLED:
            filled += 1
            continue
        if o.reason == "end of data":
            continue
        # Never left working: canceled on the step of the instrument's first bar after placing.
        assert (o.status, o.reason) == (OrderStatus.CANCELED, reason), o
        ts = stamps[o.request.instrument_id]
        assert o.ts_ns == ts[bisect_right(ts, o.submitted_ts_ns)], o
        if o.filled_quantity:
            assert tif is TimeInForce.IOC, o  # a FOK order fills whole or not at all
            partly += 1
        canceled += 1
    assert filled > 20 and canceled > 20, (filled, canceled)
    if capped and tif is TimeInForce.IOC:
        assert partly > 5, partly
    markets = [o for o in bt.orders if o.request.order_type is OrderType.MARKET]
    assert markets
    if not capped:  # a market order always fills whole on its first bar
        assert all(o.status is OrderStatus.FILLED for o in markets[:-1])
