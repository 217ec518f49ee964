"""Splits and cash dividends on raw prices, applied to the books: hand-computed cases (sim)."""

from __future__ import annotations

from datetime import date

import pytest
from contracts_fake_engine import Scripted

from finbot.contracts import (
    AccountKind,
    AccountModel,
    Bar,
    BarSeries,
    CashDividend,
    DatasetRef,
    EngineInfo,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    Split,
    StrategySpec,
    to_ns,
)
from finbot.contracts.engine import simulate

DAY = 86_400 * 10**9
DATES = [date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
TS = [to_ns(d) for d in DATES]
# AAA splits 2:1 going ex on DATES[3]: raw prices halve there.  (open, high, low, close)
AAA = [
    (100.0, 101.0, 99.0, 100.0),
    (100.0, 103.0, 99.0, 102.0),
    (102.0, 103.0, 101.0, 102.0),
    (51.0, 52.0, 50.0, 51.0),
    (52.0, 53.0, 51.0, 53.0),
    (53.0, 54.0, 52.0, 54.0),
]
# BBB goes ex a 2.00 dividend on DATES[2] (opens 2 lower), paid on DATES[4].
BBB = [
    (40.0, 41.0, 39.0, 40.0),
    (40.0, 41.0, 39.0, 40.0),
    (38.0, 39.0, 37.0, 38.0),
    (38.0, 39.0, 37.0, 38.0),
    (38.0, 39.0, 37.0, 38.0),
    (38.0, 39.0, 37.0, 38.0),
]
ACTIONS = (
    Split(instrument_id="AAA", ex_date=DATES[3], ratio=2.0),
    CashDividend(instrument_id="BBB", ex_date=DATES[2], amount=2.0, pay_date=DATES[4]),
)
SIM = EngineInfo(name="sim", version="1", adapter="tests", adapter_version="1")


def data(actions=ACTIONS) -> MarketData:
    series = [
        BarSeries.from_bars(iid, [Bar(t, *r, 1_000.0) for t, r in zip(TS, rows, strict=True)])
        for iid, rows in (("AAA", AAA), ("BBB", BBB))
    ]
    return MarketData([Instrument(id="AAA"), Instrument(id="BBB")], series, actions, name="raw")


def run(script, policy=FillPolicy.NEXT_OPEN, actions=ACTIONS):
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="raw"),
        starting_cash=10_000.0,
        fill_policy=policy,
        engine="sim",
        # the short-selling cases need an account that may short (ADR 0022)
        account=AccountModel(kind=AccountKind.MARGIN),
    )
    strategy = Scripted(script)
    return simulate(strategy, config, data(actions), SIM), strategy


def test_split_multiplies_the_position_and_leaves_equity_unchanged():
    result, strategy = run({0: [lambda ctx: ctx.buy("AAA", 10)]})
    # Bought 10 at the open of day 1 (100.00): cash 9000; the split makes 20 shares of 50.
    assert [s["positions"]["AAA"] for s in strategy.seen] == [0.0, 10.0, 10.0, 20.0, 20.0, 20.0]
    equity = result.equity_curve.equity
    assert equity[2] == 9_000.0 + 10 * 102.0  # 10200, the day before the split
    assert equity[3] == 9_000.0 + 20 * 51.0  # 10020: the price move, not the split
    assert result.positions[0].quantity == 20.0
    assert result.positions[0].avg_price == 50.0
    assert result.equity_curve.cash[-1] == 9_000.0


def test_round_trip_across_a_split_keeps_its_cost():
    script = {0: [lambda ctx: ctx.buy("AAA", 10)], 3: [lambda ctx: ctx.sell("AAA", 20)]}
    result, _ = run(script)
    (trade,) = result.trades
    # 20 post-split shares entered at 50.00 (1000 / 20), sold at the day-4 open of 52.00.
    assert (trade.quantity, trade.entry_price, trade.exit_price) == (20.0, 50.0, 52.0)
    assert trade.gross_pnl == 40.0
    assert result.equity_curve.equity[-1] == 10_040.0


def test_fill_at_the_close_before_the_ex_date_books_in_old_shares():
    # this_close: bought at day 2's close (102.00, old shares), then at day 3's close (51.00,
    # already new shares): 10 old shares become 20, the second 10 stay 10.
    script = {2: [lambda ctx: ctx.buy("AAA", 10)], 3: [lambda ctx: ctx.buy("AAA", 10)]}
    result, _ = run(script, policy=FillPolicy.THIS_CLOSE)
    assert [(f.quantity, f.price, f.ts_ns) for f in result.fills] == [
        (10.0, 102.0, TS[2]),
        (10.0, 51.0, TS[3]),
    ]
    assert result.positions[0].quantity == 30.0
    assert result.positions[0].avg_price == pytest.approx((1020.0 + 510.0) / 30)
    assert result.equity_curve.equity[3] == 10_000.0 - 1020.0 - 510.0 + 30 * 51.0


def test_dividend_is_owed_at_the_ex_date_and_paid_at_the_pay_date():
    # Bought 10 BBB at day 1's open (40.00); sold at day 3's open: still owed the dividend.
    script = {0: [lambda ctx: ctx.buy("BBB", 10)], 2: [lambda ctx: ctx.sell("BBB", 10)]}
    result, _ = run(script)
    cash = result.equity_curve.cash
    assert cash[1:5] == (9_600.0, 9_600.0, 9_980.0, 10_000.0)  # 9600 + 380, then + 20 paid
    # Until the pay date the dividend is a receivable the curve does not count.
    assert result.equity_curve.equity[3] == 9_980.0
    assert result.equity_curve.equity[-1] == 10_000.0


def test_a_short_pays_the_dividend():
    script = {0: [lambda ctx: ctx.sell("BBB", 10)], 2: [lambda ctx: ctx.buy("BBB", 10)]}
    result, _ = run(script)
    # Short 10 at 40.00 on day 1, covered at 38.00 on day 3 (+20); it was short when the
    # ex-date opened, so it owes 10 x 2.00 on the pay date, day 4.
    assert result.equity_curve.cash[1:5] == (10_400.0, 10_400.0, 10_020.0, 10_000.0)


def test_buying_on_the_ex_date_earns_no_dividend():
    # A market order placed on day 1 fills at day 2's open, the ex-date: not entitled.
    result, _ = run({1: [lambda ctx: ctx.buy("BBB", 10)]})
    assert result.equity_curve.cash[-1] == 10_000.0 - 380.0


def test_without_actions_the_raw_prices_are_just_prices():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, actions=())
    # The 2:1 drop is a loss of half the position's value when nobody applies the split.
    assert result.equity_curve.equity[3] == 9_000.0 + 10 * 51.0
