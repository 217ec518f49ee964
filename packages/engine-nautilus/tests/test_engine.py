"""Hand-worked runs of the Nautilus adapter on five-bar markets (numbers in each test's comment).

Bars (open, high, low, close): 0 (100,102,99,101), 1 (103,105,102,104), 2 (104,106,100,101),
3 (98,99,95,97), 4 (97,100,96,99). Commission: 10 bp of notional, at least 1.00.
"""

from __future__ import annotations

import nautilus_trader
import pytest
from nautilus_cases import DAY, FIVE, T0, Scripted, config, daily, market

from finbot.contracts import (
    END_OF_DATA,
    ConfigError,
    CostModel,
    FillPolicy,
    OrderStatus,
    TimeInForce,
)
from finbot.engine_nautilus import NautilusEngine, NautilusSettings

ONE = market(AAA=(FIVE, daily(5)))


def run(script, policy=FillPolicy.NEXT_OPEN, data=ONE, **kw):
    strategy = Scripted(script)
    result = NautilusEngine().run(config(policy, **kw), strategy, data)
    return result, strategy


def buy(qty, **kw):
    return lambda ctx: ctx.buy("AAA", qty, **kw)


def sell(qty, **kw):
    return lambda ctx: ctx.sell("AAA", qty, **kw)


def status(result, order_id):
    return next(o for o in result.orders if o.order_id == order_id)


def test_next_open_market_fills_at_the_next_bars_open():
    result, _ = run({0: [buy(10)]})
    (fill,) = result.fills
    # bar 1's open, stamped with bar 1's open instant; 10 * 103 * 10bp = 1.03
    assert (fill.side, fill.quantity, fill.price, fill.ts_ns) == ("buy", 10, 103.0, T0 + DAY)
    assert fill.commission == 1.03
    assert result.equity_curve.cash[-1] == pytest.approx(100_000 - 1030 - 1.03, abs=1e-9)
    assert result.metrics.final_equity == pytest.approx(98_968.97 + 10 * 99.0, abs=1e-9)
    # the step of bar 0 is marked before the fill, bar 1's after it: 98968.97 + 10 * 104
    assert result.equity_curve.equity[:2] == (100_000.0, pytest.approx(100_008.97, abs=1e-9))


def test_this_close_market_fills_at_the_same_bars_close():
    result, _ = run({0: [buy(10)], 2: [sell(10)]}, FillPolicy.THIS_CLOSE)
    first, second = result.fills
    # bar 0's close 101 (commission 1.01), labelled with bar 0; the exit at bar 2's close 101
    assert (first.price, first.ts_ns, first.commission) == (101.0, T0, 1.01)
    assert (second.side, second.price, second.ts_ns) == ("sell", 101.0, T0 + 2 * DAY)
    assert result.metrics.final_equity == pytest.approx(100_000 - 2.02, abs=1e-9)
    assert len(result.trades) == 1


@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize(
    ("limit", "price"),
    [
        (104.5, 104.0),  # bar 2 opens at 104, below the limit: filled at the open, not 104.5
        (101.0, 101.0),  # bar 2 opens above 101 and trades down to 100: filled at the limit
    ],
)
def test_buy_limit_gapping_fills_at_open_touching_at_limit(policy, limit, price):
    result, _ = run({1: [buy(10, limit_price=limit)]}, policy)
    (fill,) = result.fills
    assert (fill.price, fill.ts_ns) == (price, T0 + 2 * DAY)


def test_limit_that_is_never_reached_waits_then_ends_canceled():
    # a buy limit at 94 is below every later low (lowest 95)
    result, _ = run({0: [buy(10, limit_price=94.0)]})
    assert result.fills == ()
    order = result.orders[0]
    assert (order.status, order.reason) == (OrderStatus.CANCELED, END_OF_DATA)


@pytest.mark.parametrize(
    ("stop", "price", "bar"),
    [
        (99.0, 98.0, 3),  # bar 2's low 100 misses 99; bar 3 opens at 98, below it: the open
        (101.0, 101.0, 2),  # bar 2 opens at 104 and trades down to 100: the stop price
    ],
)
def test_sell_stop_gapping_fills_at_open_touching_at_stop(stop, price, bar):
    result, _ = run({0: [buy(10)], 1: [sell(10, stop_price=stop)]})
    entry, exit_ = result.fills
    assert entry.price == 103.0
    assert (exit_.side, exit_.price, exit_.ts_ns) == ("sell", price, T0 + bar * DAY)


@pytest.mark.parametrize(
    ("stop", "price"),
    [
        (102.5, 103.0),  # bar 1 opens at 103, already above the stop: the open
        (105.0, 105.0),  # bar 1 opens at 103 and trades up to 105: the stop price
    ],
)
def test_buy_stop_gapping_fills_at_open_touching_at_stop(stop, price):
    result, _ = run({0: [buy(10, stop_price=stop)]})
    (fill,) = result.fills
    assert (fill.price, fill.ts_ns) == (price, T0 + DAY)


def test_buy_stop_limit_triggers_then_fills_as_a_limit():
    # stop 104.5 trades in bar 1 (high 105) but a limit of 102 is below its close 104 on an up
    # bar, so it only triggers; from bar 2 it is a limit at 102 (bar 2's low 100): fills at 102
    result, _ = run({0: [buy(10, stop_price=104.5, limit_price=102.0)]})
    (fill,) = result.fills
    assert (fill.price, fill.ts_ns) == (102.0, T0 + 2 * DAY)


def test_unaffordable_order_is_rejected_when_accepted():
    # 10 * 101 (the close it was placed at) + 1.01 > 1000
    result, _ = run({0: [buy(10)]}, cash=1_000.0)
    assert result.fills == ()
    order = result.orders[0]
    assert (order.status, order.reason) == (OrderStatus.REJECTED, "insufficient cash")
    assert result.metrics.final_equity == 1_000.0


def test_order_unaffordable_at_the_fill_price_is_rejected_then():
    # accepted against bar 0's close (1011.01 <= 1020), refused at bar 1's open (1031.03 > 1020)
    result, strategy = run({0: [buy(10)]}, cash=1_020.0)
    assert result.fills == ()
    assert [u.status for u in strategy.updates] == [OrderStatus.ACCEPTED, OrderStatus.REJECTED]
    assert result.orders[0].reason == "insufficient cash"


def test_order_on_the_final_step_is_canceled_as_end_of_data():
    result, _ = run({4: [buy(10)]})
    assert result.fills == ()
    order = result.orders[0]
    assert (order.status, order.reason) == (OrderStatus.CANCELED, END_OF_DATA)


def test_cancel_removes_a_working_order_but_not_one_placed_on_the_same_step():
    # Backtrader's broker accepts an order at the next step; a cancel before that is ignored.
    script = {
        0: [buy(10, limit_price=94.0), buy(5)],
        1: [lambda ctx: ctx.cancel_order("O-000001")],
        2: [buy(3), lambda ctx: ctx.cancel_order("O-000003")],
    }
    result, _ = run(script)
    assert [(o.order_id, o.status) for o in result.orders] == [
        ("O-000001", OrderStatus.CANCELED),
        ("O-000002", OrderStatus.FILLED),
        ("O-000003", OrderStatus.FILLED),
    ]
    assert [f.price for f in result.fills] == [103.0, 98.0]


def test_day_order_expires_after_the_bar_it_could_fill_on():
    result, _ = run({0: [buy(10, limit_price=94.0, time_in_force=TimeInForce.DAY)]})
    assert result.orders[0].status is OrderStatus.EXPIRED


def test_cent_commission_is_rounded_half_up_like_the_contract():
    costs = CostModel(commission_per_share=0.005)
    result, _ = run({0: [buy(1)]}, costs=costs)
    assert result.fills[0].commission == 0.01  # 0.005 rounds up, Nautilus's Money agrees


def test_multi_instrument_with_a_missing_session():
    # BBB has no bar on day 2: its order waits for its next bar (day 3) and fills at that open
    stamps = daily(5)
    bbb_rows = (FIVE[0], FIVE[1], FIVE[3], FIVE[4])
    data = market(AAA=(FIVE, stamps), BBB=(bbb_rows, stamps[:2] + stamps[3:]))
    script = {1: [lambda ctx: ctx.buy("BBB", 10), buy(10)]}
    result, strategy = run(script, data=data)
    assert [(f.instrument_id, f.price, f.ts_ns) for f in result.fills] == [
        ("AAA", 104.0, T0 + 2 * DAY),
        ("BBB", 98.0, T0 + 3 * DAY),
    ]
    assert strategy.steps[2] == (T0 + 2 * DAY, ("AAA",))
    assert len(result.equity_curve.ts_ns) == 5


def test_sells_fund_buys_placed_on_the_same_step():
    # all in AAA, then rotate into BBB with the proceeds: the sell fills first (placement order)
    stamps = daily(5)
    data = market(AAA=(FIVE, stamps), BBB=(FIVE, stamps))
    script = {0: [buy(9)], 1: [sell(9), lambda ctx: ctx.buy("BBB", 9)]}
    result, _ = run(script, data=data, cash=1_000.0, costs=CostModel())
    assert [(f.instrument_id, f.side, f.price) for f in result.fills] == [
        ("AAA", "buy", 103.0),
        ("AAA", "sell", 104.0),
        ("BBB", "buy", 104.0),
    ]
    assert result.metrics.final_equity == pytest.approx(1_000 + 9 * (104 - 103) + 9 * (99 - 104))


def test_intraday_five_minute_bars():
    stamps = [T0 + 14 * 3600 * 10**9 + i * 300 * 10**9 for i in range(5)]
    data = market(AAA=(FIVE, stamps))
    result, _ = run({0: [buy(10)], 2: [sell(10, limit_price=97.5)]}, data=data)
    entry, exit_ = result.fills
    assert (entry.price, entry.ts_ns) == (103.0, stamps[1])
    # bar 3 opens at 98, above the sell limit 97.5: filled at the open
    assert (exit_.price, exit_.ts_ns) == (98.0, stamps[3])


def test_fractional_prices_fill_exactly():
    rows = tuple(tuple(p + 0.123456789 for p in row) for row in FIVE)
    data = market(AAA=(rows, daily(5)))
    result, _ = run({0: [buy(10)]}, data=data)
    assert result.fills[0].price == rows[1][0]


def test_slippage_moves_market_and_stop_fills_against_the_trader():
    costs = CostModel(commission_bps=10.0, commission_minimum=1.0, slippage_bps=20.0)
    result, _ = run({0: [buy(10)], 1: [sell(10, stop_price=101.0)]}, costs=costs)
    entry, exit_ = result.fills
    # bar 1's open 103 slipped up 20bp: 103.206; commission 10 * 103.206 * 10bp = 1.03206 -> 1.03
    assert entry.price == pytest.approx(103.206, rel=1e-15)
    assert (entry.commission, entry.slippage) == (1.03, pytest.approx(2.06, rel=1e-12))
    # bar 2 (open 104, low 100) trades through the stop 101: 101 slipped down 20bp = 100.798
    assert exit_.price == pytest.approx(100.798, rel=1e-15)
    assert (exit_.commission, exit_.slippage) == (1.01, pytest.approx(2.02, rel=1e-12))
    assert result.equity_curve.cash[-1] == pytest.approx(
        100_000 - 1032.06 - 1.03 + 1007.98 - 1.01, abs=1e-9
    )


def test_engine_info_and_settings():
    result, _ = run({})
    assert result.engine.name == "nautilus"
    assert result.engine.version == nautilus_trader.__version__
    assert result.engine.adapter == "finbot-engine-nautilus"
    assert NautilusEngine(verbose=True).settings.verbose
    with pytest.raises(ConfigError):
        NautilusSettings(equity_rel_tolerance=0.0)
