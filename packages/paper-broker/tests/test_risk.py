"""Each risk rule on a hand-computed case: one order just inside the limit, one just past it."""

import pytest

from finbot.contracts import OrderRequest, OrderSide, OrderType
from finbot.paper_broker import Book, InstrumentLimits, RiskControls, RiskLimits

SEC = 1_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def order(side=BUY, qty=10.0, iid="AAA", limit=None, stop=None):
    kind = OrderType.LIMIT if limit else OrderType.STOP if stop else OrderType.MARKET
    return OrderRequest(
        instrument_id=iid,
        side=side,
        quantity=qty,
        order_type=kind,
        limit_price=limit,
        stop_price=stop,
    )


# AAA at 50, BBB at 20; long 100 AAA (5,000), short 50 BBB (-1,000); a working buy of 20 AAA.
BOOK = Book(
    positions={"AAA": 100.0, "BBB": -50.0},
    working={"AAA": 20.0},
    prices={"AAA": 50.0, "BBB": 20.0},
)


def check(limits, request, book=BOOK, now=0):
    return RiskControls(RiskLimits(**limits)).check(request, book, now)


def test_no_limits_pass_everything():
    assert check({}, order(qty=1e6)) is None


def test_max_order_notional_values_a_market_order_at_the_close_and_a_limit_at_its_limit():
    # 20 x 50 = 1,000 market; 20 x 60 = 1,200 limit
    assert check({"max_order_notional": 1000}, order(qty=20)) is None
    bad = check({"max_order_notional": 1000}, order(qty=20, limit=60.0))
    assert bad.rule == "max_order_notional"
    assert bad.reason == (
        "max_order_notional: order value 1,200.00 (20 x 60.00) exceeds the limit 1,000.00"
    )


def test_max_position_units_counts_working_orders():
    # 100 held + 20 working + 30 new = 150
    assert check({"max_position_units": 150}, order(qty=30)) is None
    bad = check({"max_position_units": 149}, order(qty=30))
    assert bad.rule == "max_position_units"
    assert "AAA would reach 150 units with working orders, the limit is 149" in bad.reason


def test_a_per_instrument_override_beats_the_session_limit():
    limits = {
        "max_position_units": 1000,
        "instruments": {"AAA": InstrumentLimits(max_position_units=120)},
    }
    assert check(limits, order(qty=1)).rule == "max_position_units"  # 121 > 120
    assert check(limits, order(qty=1, iid="BBB")) is None  # -49 vs 1000


def test_max_position_notional():
    # (100 + 20 + 10) x 50 = 6,500
    assert check({"max_position_notional": 6500}, order(qty=10)) is None
    bad = check({"max_position_notional": 6499}, order(qty=10))
    assert bad.reason == (
        "max_position_notional: AAA would reach 6,500.00 (130 x 50.00), the limit is 6,499.00"
    )


def test_max_gross_exposure():
    # AAA (100 + 20 + 10) x 50 = 6,500 ; BBB |-50 x 20| = 1,000 ; gross 7,500
    assert check({"max_gross_exposure": 7500}, order(qty=10)) is None
    bad = check({"max_gross_exposure": 7499}, order(qty=10))
    assert (
        bad.reason
        == "max_gross_exposure: gross exposure would reach 7,500.00, the limit is 7,499.00"
    )


def test_max_net_exposure_lets_a_hedge_through():
    # net before: 6,000 - 1,000 = 5,000; buying 10 AAA makes 5,500; selling 100 BBB makes 3,000
    assert check({"max_net_exposure": 5499}, order(qty=10)).rule == "max_net_exposure"
    assert check({"max_net_exposure": 5499}, order(SELL, 100, "BBB")) is None


def test_rate_limit_counts_accepted_orders_in_a_trailing_window():
    risk = RiskControls(RiskLimits(max_orders_per_window=2, rate_window_seconds=60))
    assert risk.check(order(qty=1), BOOK, 0) is None
    assert risk.check(order(qty=1), BOOK, 30 * SEC) is None
    bad = risk.check(order(qty=1), BOOK, 59 * SEC)
    assert bad.reason == (
        "max_orders_per_window: 2 orders in the last 60 s already, the limit is 2"
    )
    # the rejected one does not count; at 60 s the first order (t=0) has left the window
    assert risk.check(order(qty=1), BOOK, 60 * SEC) is None
    assert risk.check(order(qty=1), BOOK, 61 * SEC).rule == "max_orders_per_window"


def test_drawdown_stop_halts_entries_but_lets_positions_shrink():
    risk = RiskControls(RiskLimits(drawdown_stop_pct=10))
    assert risk.mark(100_000.0) is None
    assert risk.mark(110_000.0) is None  # new peak
    assert risk.mark(99_001.0) is None  # 9.999% below 110,000
    reason = risk.mark(99_000.0)  # exactly 10%
    assert reason == (
        "drawdown_stop_pct: equity 99,000.00 is 10.00% below the peak 110,000.00, "
        "at or past the 10% stop"
    )
    assert risk.check(order(qty=1), BOOK, 0).rule == "drawdown_stop_pct"  # adds to a long
    assert risk.check(order(SELL, 100), BOOK, 0) is None  # closes the long
    assert risk.check(order(SELL, 101), BOOK, 0).rule == "drawdown_stop_pct"  # would go short
    assert risk.check(order(BUY, 50, "BBB"), BOOK, 0) is None  # covers the short
    # the halt stays after equity recovers, until a reset
    assert risk.mark(120_000.0) is None
    assert risk.check(order(qty=1), BOOK, 0).rule == "drawdown_stop_pct"
    risk.reset(120_000.0)
    assert risk.check(order(qty=1), BOOK, 0) is None
    assert risk.state.peak_equity == 120_000.0


def test_kill_switch_refuses_everything_until_reset_and_flattening_passes():
    risk = RiskControls(RiskLimits())
    risk.trip("kill flag file")
    bad = risk.check(order(SELL, 100), BOOK, 0)
    assert bad.rule == "kill_switch"
    assert bad.reason == (
        "kill_switch: tripped (kill flag file); no orders until `finbot paper reset`"
    )
    assert risk.check(order(SELL, 100), BOOK, 0, reducing=True) is None
    risk.trip("second reason")  # stays tripped with its first reason
    assert risk.state.killed == "kill flag file"
    risk.reset(1.0)
    assert risk.check(order(SELL, 100), BOOK, 0) is None


@pytest.mark.parametrize("field", ["max_order_notional", "max_position_units", "drawdown_stop_pct"])
def test_limits_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        RiskLimits(**{field: 0})
