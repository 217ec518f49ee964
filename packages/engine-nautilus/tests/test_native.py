"""Native mode: Nautilus's own matching, fill, latency and risk models decide fills (issue 12).

Worked examples on the five hand-made bars of nautilus_cases.FIVE (volume 1,000 each); the
expected numbers are what Nautilus 1.221's bar execution does, written out by hand.
"""

from __future__ import annotations

import pytest
from nautilus_cases import DAY, FIVE, T0, Scripted, config, daily, market

from finbot.contracts import (
    AccountKind,
    AccountModel,
    Bar,
    BarSeries,
    ConfigError,
    CostModel,
    EngineRunError,
    FillPolicy,
    Instrument,
    MarketData,
    NativeExecution,
    NativeLiquidity,
    OrderStatus,
)
from finbot.engine_nautilus import NativeSettings, NautilusNativeEngine


def _run(script, native: NativeExecution | None = None, **overrides):
    cfg = config(**overrides).model_copy(update={"engine": "nautilus-native", "native": native})
    strategy = Scripted(script)
    result = NautilusNativeEngine().run(cfg, strategy, market(AAA=(FIVE, daily(5))))
    return result, strategy


def test_a_market_order_fills_against_nautilus_book_not_the_fill_policy():
    # Placed on bar 0 under next_open: Nautilus fills it at once against its book, which stands
    # at bar 0's close (101.0); Backtrader would fill at bar 1's open (103.0).
    result, _ = _run({0: [lambda ctx: ctx.buy("AAA", 10)]}, policy=FillPolicy.NEXT_OPEN)
    assert [(f.quantity, f.price, f.ts_ns) for f in result.fills] == [(10.0, 101.0, T0)]
    assert result.fills[0].commission == pytest.approx(1.01)  # the run's cost model, 10 bp
    assert result.config.engine == "nautilus-native"
    assert result.engine.details["mode"] == "native"
    assert result.engine.details["liquidity"] == "bar volume"


def test_bar_volume_is_the_liquidity():
    # Nautilus's L1 book from a bar holds a quarter of its volume (250) at each price; the rest of
    # a 600 order fills one tick worse.
    result, _ = _run({0: [lambda ctx: ctx.buy("AAA", 600)]})
    assert [(f.quantity, f.price) for f in result.fills] == [(250.0, 101.0), (350.0, 101.01)]
    assert result.orders[0].status is OrderStatus.FILLED


def test_unlimited_liquidity_fills_a_large_order_whole_at_one_price():
    native = NativeExecution(liquidity=NativeLiquidity.UNLIMITED)
    result, _ = _run({0: [lambda ctx: ctx.buy("AAA", 600)]}, native)
    assert [(f.quantity, f.price) for f in result.fills] == [(600.0, 101.0)]
    assert result.config.native == native
    assert result.engine.details["liquidity"] == "unlimited"


@pytest.mark.parametrize("latency_ms", [100.0, 24 * 3600 * 1000.0])
def test_any_latency_moves_the_fill_to_the_next_bar_close(latency_ms):
    # The order reaches Nautilus after bar 0 has closed; Nautilus then processes it with bar 1,
    # after that bar's open, high, low and close: it fills at bar 1's close (104.0), not its open
    # (103.0), whether the latency is 100 ms or a whole day.
    result, _ = _run({0: [lambda ctx: ctx.buy("AAA", 10)]}, NativeExecution(latency_ms=latency_ms))
    assert [(f.price, f.ts_ns) for f in result.fills] == [(104.0, T0 + DAY)]
    assert result.engine.details["latency_ms"] == repr(latency_ms)


def test_margin_account_shorts_and_the_ledger_shadows_nautilus():
    script = {0: [lambda ctx: ctx.sell("AAA", 10)], 3: [lambda ctx: ctx.buy("AAA", 10)]}
    result, _ = _run(script)
    assert [(f.side.value, f.price) for f in result.fills] == [("sell", 101.0), ("buy", 97.0)]
    # 10 x (101 - 97) = 40, less commissions 1.01 and 1.00 (the 1.00 minimum).
    assert result.metrics.final_equity == pytest.approx(100_000 + 40 - 1.01 - 1.0)


def test_cash_account_refuses_a_short_with_nautilus_reason():
    result, _ = _run({0: [lambda ctx: ctx.sell("AAA", 10)]}, NativeExecution(account="cash"))
    assert result.fills == ()
    order = result.orders[0]
    assert order.status is OrderStatus.REJECTED
    assert "SHORT SELLING not permitted on a CASH account" in (order.reason or "")


def test_a_latency_fill_beyond_the_cash_halts_a_cash_account_with_a_clear_error():
    # 980 x 101 (bar 0's close, where the order was sized) fits 100,000 of cash; with latency it
    # fills at bar 1's close, 980 x 104 = 101,920: Nautilus halts the run on the negative balance.
    native = NativeExecution(latency_ms=10.0, account="cash", liquidity=NativeLiquidity.UNLIMITED)
    with pytest.raises(EngineRunError, match=r"BUY 980 at 104 = 101,920\.00 USD, cash 100,000\.00"):
        _run({0: [lambda ctx: ctx.buy("AAA", 980)]}, native)
    margin = NativeExecution(latency_ms=10.0, liquidity=NativeLiquidity.UNLIMITED)
    result, _ = _run({0: [lambda ctx: ctx.buy("AAA", 980)]}, margin)
    assert [(f.quantity, f.price) for f in result.fills] == [(980.0, 104.0)]


def test_fill_model_decides_a_limit_the_market_only_touches():
    # A buy limit at 100.0: bar 2's low touches it exactly; bar 3 opens through it at 98.0.
    script = {0: [lambda ctx: ctx.buy("AAA", 10, limit_price=100.0)]}
    always, _ = _run(script, NativeExecution(prob_fill_on_limit=1.0))
    never, _ = _run(script, NativeExecution(prob_fill_on_limit=0.0))
    assert [(f.price, f.ts_ns) for f in always.fills] == [(100.0, T0 + 2 * DAY)]
    assert [f.ts_ns for f in never.fills] == [T0 + 3 * DAY]


def test_financing_is_refused_in_native_mode():
    # Nautilus's own account decides there (native.account) and charges no borrow or funding.
    cfg = config().model_copy(
        update={
            "engine": "nautilus-native",
            "account": AccountModel(kind=AccountKind.MARGIN, borrow_rate=0.03),
        }
    )
    with pytest.raises(ConfigError, match="native mode charges no borrow or funding"):
        NautilusNativeEngine().run(cfg, Scripted({}), market(AAA=(FIVE, daily(5))))


def test_slippage_bps_is_refused_in_native_mode():
    with pytest.raises(ConfigError, match="slips by whole ticks"):
        _run({}, costs=CostModel(slippage_bps=5))


@pytest.mark.parametrize("value", [0.0, 1.0, float("nan")])
def test_a_bad_shadow_tolerance_is_refused(value):
    with pytest.raises(ConfigError, match=r"NativeSettings\.shadow_rel_tolerance"):
        NativeSettings(shadow_rel_tolerance=value)


def test_a_large_fill_books_a_whole_quantity():
    # Nautilus's Quantity(63493, 0).as_double() is 63492.99999999999; the ledger must book 63493,
    # or every later order sized from the position is a fraction Nautilus refuses.
    big = MarketData(
        [Instrument(id="AAA")],
        [BarSeries.from_bars("AAA", [Bar(ts, 8.0, 8.5, 7.5, 8.164063, 1e9) for ts in daily(3)])],
        name="big",
    )
    cfg = config().model_copy(update={"engine": "nautilus-native"})
    script = {0: [lambda ctx: ctx.buy("AAA", 63493)], 1: [lambda ctx: ctx.close_position("AAA")]}
    result = NautilusNativeEngine().run(cfg, Scripted(script), big)
    assert [(f.quantity, f.price) for f in result.fills] == [(63493.0, 8.164063)] * 2
    assert [o.status for o in result.orders] == [OrderStatus.FILLED] * 2
