"""StrategyRunner's books, order flow and callbacks, driven by the hand-written fake engine.

Every expected number is worked out by hand in the comments from the five bars below.
"""

from __future__ import annotations

import math
import statistics
from datetime import date

import pytest
from contracts_fake_engine import FAKE_ENGINE, FakeEngine, Scripted

from finbot.contracts import (
    END_OF_DATA,
    AccountKind,
    AccountModel,
    AccountState,
    BacktestResult,
    BarSeries,
    CostModel,
    DatasetRef,
    EngineRunError,
    FillPolicy,
    Instrument,
    MarketData,
    OrderRequest,
    OrderStatus,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategyRunner,
    StrategySpec,
    TimeInForce,
    to_ns,
)

DAY = 86_400 * 10**9
T0 = to_ns(date(2024, 1, 2))
TS = [T0 + i * DAY for i in range(5)]
#            open  high  low  close
OHLC = [
    (10.0, 11.0, 9.0, 10.0),  # d0
    (11.0, 12.0, 10.0, 11.0),  # d1
    (12.0, 13.0, 11.0, 12.0),  # d2
    (11.0, 12.0, 10.0, 10.0),  # d3
    (10.0, 11.0, 9.0, 9.5),  # d4
]


def series(iid: str = "AAA", rows: list[int] | None = None) -> BarSeries:
    keep = list(range(5)) if rows is None else rows
    return BarSeries.from_columns(
        iid,
        [TS[i] for i in keep],
        [OHLC[i][0] for i in keep],
        [OHLC[i][1] for i in keep],
        [OHLC[i][2] for i in keep],
        [OHLC[i][3] for i in keep],
        [1_000.0] * len(keep),
    )


DATA = MarketData([Instrument(id="AAA")], [series()], name="five-bars")


def config(
    policy: FillPolicy = FillPolicy.NEXT_OPEN, cash: float = 1_000.0, **costs: float
) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="five-bars"),
        starting_cash=cash,
        cost_model=CostModel(**costs),  # type: ignore[arg-type]
        fill_policy=policy,
        # the flips to short below need an account that may short
        account=AccountModel(kind=AccountKind.MARGIN),
    )


def run(
    script: dict[int, list],  # type: ignore[type-arg]
    cfg: RunConfig | None = None,
    data: MarketData = DATA,
    **engine_kw: float,
) -> tuple[BacktestResult, Scripted, FakeEngine]:
    strategy = Scripted(script)
    engine = FakeEngine(data, cfg or config(), **engine_kw)  # type: ignore[arg-type]
    return engine.run(strategy), strategy, engine


def buy(qty: float, **kw: object):  # type: ignore[no-untyped-def]
    return lambda ctx: ctx.buy("AAA", qty, **kw)


def sell(qty: float, **kw: object):  # type: ignore[no-untyped-def]
    return lambda ctx: ctx.sell("AAA", qty, **kw)


# --- a round trip under each fill policy ---------------------------------------------------------


def test_round_trip_next_open() -> None:
    # Buy 10 on d0 -> fills at d1 open 11.00; sell 10 on d1 -> fills at d2 open 12.00.
    # Commission 0.01/share: 0.10 per fill.
    # cash: 1000 - 110 - 0.10 = 889.90; then 889.90 + 120 - 0.10 = 1009.80
    result, strategy, _ = run({0: [buy(10)], 1: [sell(10)]}, config(commission_per_share=0.01))
    curve = result.equity_curve
    assert curve.ts_ns == tuple(TS)
    # d0: 1000 flat; d1: 889.90 + 10 * close 11 = 999.90; d2..d4: 1009.80 flat
    assert curve.equity == pytest.approx((1000.0, 999.9, 1009.8, 1009.8, 1009.8), abs=1e-9)
    assert curve.cash == pytest.approx((1000.0, 889.9, 1009.8, 1009.8, 1009.8), abs=1e-9)
    assert curve.gross_exposure == (0.0, 110.0, 0.0, 0.0, 0.0)
    assert [(f.order_id, f.side, f.quantity, f.price, f.ts_ns) for f in result.fills] == [
        ("O-000001", "buy", 10.0, 11.0, TS[1]),
        ("O-000002", "sell", 10.0, 12.0, TS[2]),
    ]
    assert [f.commission for f in result.fills] == [0.1, 0.1]
    (trade,) = result.trades
    assert (trade.direction, trade.quantity, trade.entry_price, trade.exit_price) == (1, 10, 11, 12)
    assert (trade.entry_ts_ns, trade.exit_ts_ns) == (TS[1], TS[2])
    assert trade.gross_pnl == 10.0
    assert trade.commission == pytest.approx(0.2)
    assert trade.net_pnl == pytest.approx(9.8)
    assert result.positions == ()
    assert result.metrics.final_equity == pytest.approx(1009.8)
    assert result.metrics.total_commission == pytest.approx(0.2)
    # what the strategy saw at the start of each on_bar
    assert [s["cash"] for s in strategy.seen] == pytest.approx(
        [1000, 889.9, 1009.8, 1009.8, 1009.8]
    )
    assert [s["positions"] for s in strategy.seen] == [
        {"AAA": 0.0},
        {"AAA": 10.0},
        {"AAA": 0.0},
        {"AAA": 0.0},
        {"AAA": 0.0},
    ]


def test_round_trip_this_close() -> None:
    # Buy 10 on d0 fills at d0 close 10.00, after on_bar; sell on d1 fills at d1 close 11.00.
    # cash: 1000 - 100 - 0.10 = 899.90; then 899.90 + 110 - 0.10 = 1009.80
    cfg = config(FillPolicy.THIS_CLOSE, commission_per_share=0.01)
    result, _, _ = run({0: [buy(10)], 1: [sell(10)]}, cfg)
    # The curve is marked before the strategy acts: d0 1000; d1 899.90 + 10 * 11 = 1009.90;
    # d2.. 1009.80 (the second fill's commission shows from d2 on).
    assert result.equity_curve.equity == pytest.approx((1000, 1009.9, 1009.8, 1009.8, 1009.8))
    assert [(f.price, f.ts_ns) for f in result.fills] == [(10.0, TS[0]), (11.0, TS[1])]
    assert result.trades[0].net_pnl == pytest.approx(10 * (11 - 10) - 0.2)


def test_callbacks_arrive_before_the_steps_on_bar_fill_before_update() -> None:
    _, strategy, _ = run({0: [buy(10)]})
    assert strategy.events[:7] == [
        ("start",),
        ("bar", 0, ("AAA",)),
        ("update", "O-000001", "accepted"),
        ("fill", "O-000001", 10.0, 11.0),
        ("update", "O-000001", "filled"),
        ("bar", 1, ("AAA",)),
        ("bar", 2, ("AAA",)),
    ]
    assert strategy.events[-1] == ("stop",)


def test_slippage_moves_market_fills_and_is_recorded() -> None:
    # 10 bp on a buy at open 11.00: 11.011; slippage 0.011 * 10 = 0.11; cash 1000 - 110.11
    result, _, _ = run({0: [buy(10)]}, config(slippage_bps=10))
    (fill,) = result.fills
    assert fill.price == pytest.approx(11.011)
    assert fill.slippage == pytest.approx(0.11)
    assert result.equity_curve.cash[1] == pytest.approx(889.89)
    # limit orders fill at their price with no slippage
    result, _, _ = run({0: [buy(10, limit_price=10.5)]}, config(slippage_bps=10))
    assert (result.fills[0].price, result.fills[0].slippage) == (10.5, 0.0)


def test_half_the_spread_and_slippage_are_separate_totals() -> None:
    # spread 20 bp (half = 10 bp paid) + slippage 10 bp: 0.2% of price against the trader.
    # Buy 10 placed d0 fills at d1 open 11.00 -> 11.022; spread 11 * 0.001 * 10 = 0.11, slippage
    # the same. Sell 10 placed d2 fills at d3 open 11.00 -> 10.978; again 0.11 + 0.11.
    # Cash 1000 - 110.22 + 109.78 = 999.56; paid 0.22 spread + 0.22 slippage = 0.44.
    result, _, _ = run({0: [buy(10)], 2: [sell(10)]}, config(spread_bps=20, slippage_bps=10))
    bought, sold = result.fills
    assert (bought.price, sold.price) == (pytest.approx(11.022), pytest.approx(10.978))
    for fill in (bought, sold):
        assert (fill.spread, fill.slippage, fill.impact) == (
            pytest.approx(0.11),
            pytest.approx(0.11),
            0.0,
        )
    costs = result.costs
    assert (costs.spread, costs.slippage) == (pytest.approx(0.22), pytest.approx(0.22))
    assert (costs.commission, costs.impact, costs.borrow, costs.funding) == (0, 0, 0, 0)
    assert costs.total == pytest.approx(0.44)
    assert result.metrics.final_equity == pytest.approx(999.56)
    # a limit fill keeps its price: no spread, no slippage
    result, _, _ = run({0: [buy(10, limit_price=10.5)]}, config(spread_bps=20))
    assert (result.fills[0].price, result.fills[0].spread, result.costs.spread) == (10.5, 0, 0)


def test_volume_share_caps_each_fill_and_slips_by_participation_squared() -> None:
    # Every bar trades 1,000 units; cap 25% -> 250 per bar. Buy 400 placed d0:
    # d1 open 11.00: 250 units, share 0.25, slip 0.1 * 0.25^2 = 0.00625 -> 11.06875, paid
    #   250 * 11 * 0.00625 = 17.1875;
    # d2 open 12.00: the other 150, share 0.15, 0.1 * 0.0225 = 0.00225 -> 12.027, paid 4.05.
    cfg = config(cash=10_000.0, volume_limit=0.25, volume_impact=0.1)
    result, _, _ = run({0: [buy(400)]}, cfg)
    first, second = result.fills
    assert (first.quantity, first.ts_ns, second.quantity, second.ts_ns) == (250, TS[1], 150, TS[2])
    assert (first.price, second.price) == (pytest.approx(11.06875), pytest.approx(12.027))
    assert (first.slippage, second.slippage) == (pytest.approx(17.1875), pytest.approx(4.05))
    assert result.costs.slippage == pytest.approx(21.2375)
    assert result.orders[0].status is OrderStatus.FILLED
    # a limit order is capped too, but keeps its price: 250 at d1's open 11.00 (below the limit),
    # the other 150 at the limit 11.50 on d2 (open 12 above it, low 11 reaches it)
    result, _, _ = run({0: [buy(400, limit_price=11.5)]}, cfg)
    filled = [(f.quantity, f.price, f.slippage) for f in result.fills]
    assert filled == [(250, 11.0, 0.0), (150, 11.5, 0.0)]


def test_square_root_impact_uses_sigma_and_adv_of_the_bars_before_the_fill() -> None:
    # Buy 100 placed d3 fills at d4 open 10.00. Window 3: the bars before d4 are d1..d3, ADV
    # 1,000; returns d1/d0, d2/d1, d3/d2 of the closes 10, 11, 12, 10; sigma their sample
    # standard deviation (statistics.stdev, not finbot's code). Impact = 1.5 * sigma * sqrt(0.1).
    closes = [row[3] for row in OHLC]
    sigma = statistics.stdev(closes[j] / closes[j - 1] - 1 for j in (1, 2, 3))
    fraction = 1.5 * sigma * math.sqrt(100 / 1_000)
    cfg = config(cash=10_000.0, impact_y=1.5, impact_window=3)
    result, _, _ = run({3: [buy(100)]}, cfg)
    (fill,) = result.fills
    assert fill.price == pytest.approx(10.0 * (1 + fraction), rel=1e-12)
    assert fill.impact == pytest.approx(100 * 10.0 * fraction, rel=1e-9)
    assert (fill.slippage, fill.spread, result.costs.impact) == (0.0, 0.0, fill.impact)
    # on d1 only one return (d1/d0) precedes the fill: no sigma, so no impact yet
    result, _, _ = run({0: [buy(100)]}, cfg)
    assert (result.fills[0].price, result.fills[0].impact) == (11.0, 0.0)


# --- limit and stop orders -----------------------------------------------------------------------


def test_limit_and_stop_orders_by_bar_ohlc() -> None:
    script = {
        0: [
            buy(1, limit_price=10.5),  # d1: open 11 > 10.5, low 10 <= 10.5 -> 10.50 on d1
            buy(1, limit_price=12.0),  # d1: open 11 <= 12 -> 11.00 (the better open)
            buy(1, stop_price=12.5),  # d1 high 12 < 12.5; d2 high 13 -> 12.50 on d2
            sell(1, limit_price=12.5),  # d1 high 12 < 12.5; d2 high 13 -> 12.50 on d2
        ],
        2: [sell(1, stop_price=10.5)],  # d3: open 11, low 10 <= 10.5 -> 10.50 on d3
    }
    result, _, _ = run(script)
    assert [(f.order_id, f.price, f.ts_ns) for f in result.fills] == [
        ("O-000001", 10.5, TS[1]),
        ("O-000002", 11.0, TS[1]),
        ("O-000003", 12.5, TS[2]),
        ("O-000004", 12.5, TS[2]),
        ("O-000005", 10.5, TS[3]),
    ]
    # cash: 1000 - 10.5 - 11 - 12.5 + 12.5 + 10.5 = 989.00, and 1 share left, marked at the
    # d4 close 9.50. Bought 10.50, 11.00 (d1) then 12.50 (d2); the two sells close the d1 lots
    # first in, first out, so the share left is the one bought at 12.50.
    assert result.metrics.final_equity == pytest.approx(989.0 + 9.5)
    (position,) = result.positions
    assert (position.quantity, position.avg_price) == (1.0, 12.5)
    assert position.unrealized_pnl == 9.5 - 12.5
    # realized: 12.50 - 10.50 = +2; 10.50 - 11.00 = -0.50
    assert [t.gross_pnl for t in result.trades] == [2.0, -0.5]
    # realized + unrealized = the equity change (no commission here): 1.5 - 3 = -1.5
    assert sum(t.gross_pnl for t in result.trades) + position.unrealized_pnl == pytest.approx(
        result.metrics.final_equity - 1_000
    )


def test_day_order_expires_after_its_first_bar() -> None:
    # limit 8 never trades (lowest low is 9): good for d1 only, expired when d2 comes (ADR 0003)
    result, strategy, _ = run({0: [buy(1, limit_price=8.0, time_in_force=TimeInForce.DAY)]})
    (order,) = result.orders
    assert (order.status, order.ts_ns) == (OrderStatus.EXPIRED, TS[2])
    assert ("update", "O-000001", "expired") in strategy.events


# --- partial fills, cancel, end of data ----------------------------------------------------------


def test_partial_fills_average_price_and_position_record() -> None:
    # buy 10 with at most 4 per bar: 4 @ d1 open 11, 4 @ d2 open 12, 2 @ d3 open 11
    # avg fill = (44 + 48 + 22) / 10 = 11.40; commissions 0.04, 0.04, 0.02
    result, strategy, _ = run({0: [buy(10)]}, config(commission_per_share=0.01), max_fill_per_bar=4)
    assert [(f.quantity, f.price, f.commission) for f in result.fills] == [
        (4.0, 11.0, 0.04),
        (4.0, 12.0, 0.04),
        (2.0, 11.0, 0.02),
    ]
    statuses = [e[2] for e in strategy.events if e[0] == "update"]
    assert statuses == ["accepted", "partially_filled", "partially_filled", "filled"]
    (order,) = result.orders
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 10.0
    assert order.avg_fill_price == pytest.approx(11.4)
    assert order.submitted_ts_ns == TS[0] and order.ts_ns == TS[3]
    # cash 1000 - 114 - 0.10 = 885.90; 10 shares at the d4 close 9.50 = 95
    (position,) = result.positions
    assert position.quantity == 10.0
    assert position.avg_price == pytest.approx(11.4)
    assert position.last_price == 9.5
    assert position.market_value == 95.0
    assert position.unrealized_pnl == pytest.approx(10 * (9.5 - 11.4))
    assert result.metrics.final_equity == pytest.approx(885.9 + 95)
    # the open order was visible to the strategy while partly filled
    assert strategy.seen[2]["open_orders"] == ["O-000001"]
    assert strategy.seen[4]["open_orders"] == []


def test_cancel_is_routed_and_confirmed() -> None:
    def cancel_first(ctx: StrategyContext) -> None:
        ctx.cancel_order("O-000001")

    # limit 8 never trades; the cancel asked on d2 carries d2 and reaches the strategy before d3
    result, strategy, engine = run({0: [buy(1, limit_price=8.0)], 2: [cancel_first]})
    assert engine.cancel_requests == ["O-000001"]
    (order,) = result.orders
    assert (order.status, order.ts_ns, order.reason) == (OrderStatus.CANCELED, TS[2], None)
    assert result.fills == ()
    assert strategy.seen[3]["open_orders"] == []


def test_orders_on_the_final_step_are_never_routed() -> None:
    def cancel_second(ctx: StrategyContext) -> None:
        ctx.cancel_order("O-000003")

    script = {
        2: [buy(1, limit_price=8.0)],  # routed, still working at the end
        4: [buy(5), buy(1), cancel_second],  # final step: never routed
    }
    for policy in FillPolicy:
        result, strategy, engine = run(script, config(policy))
        assert engine.submitted == ["O-000001"]
        assert engine.cancel_requests == []  # O-000003 was canceled locally
        statuses = {o.order_id: (o.status, o.reason, o.ts_ns) for o in result.orders}
        assert statuses == {
            "O-000001": (OrderStatus.CANCELED, END_OF_DATA, TS[4]),
            "O-000002": (OrderStatus.CANCELED, END_OF_DATA, TS[4]),
            "O-000003": (OrderStatus.CANCELED, "canceled by strategy", TS[4]),
        }
        assert result.fills == ()
        assert result.metrics.final_equity == 1_000.0
        # the end-of-data cancels reach the strategy before on_stop
        assert strategy.events[-3:] == [
            ("update", "O-000001", "canceled"),
            ("update", "O-000002", "canceled"),
            ("stop",),
        ]


def test_orders_placed_in_on_stop_are_canceled_not_routed() -> None:
    result, strategy, engine = run({-2: [buy(1)]})
    assert engine.submitted == []
    (order,) = result.orders
    assert (order.status, order.reason) == (OrderStatus.CANCELED, END_OF_DATA)
    assert strategy.events[-2:] == [("stop",), ("update", "O-000001", "canceled")]


def test_orders_from_on_start_are_rejected_before_any_bar() -> None:
    # As on both engines: no instrument has a price yet.
    result, _, _ = run({-1: [buy(10)]})
    (order,) = result.orders
    assert (order.status, order.ts_ns, order.reason) == (
        OrderStatus.REJECTED,
        TS[0],
        "orders cannot be placed before the instrument's first bar",
    )
    assert result.fills == ()


# --- FIFO trades and the position's average price -----------------------------------------------


def test_fifo_partial_close_and_flip_long_to_short() -> None:
    # fills (0.01/share): buy 10 @ 11 (d1), sell 4 @ 12 (d2), sell 16 @ 11 (d3), buy 10 @ 10 (d4)
    script = {0: [buy(10)], 1: [sell(4)], 2: [sell(16)], 3: [buy(10)]}
    result, strategy, _ = run(script, config(commission_per_share=0.01))
    assert [(f.side, f.quantity, f.price) for f in result.fills] == [
        ("buy", 10.0, 11.0),
        ("sell", 4.0, 12.0),
        ("sell", 16.0, 11.0),
        ("buy", 10.0, 10.0),
    ]
    # positions seen by on_bar: d2 +6, d3 -10 (flipped), d4 flat
    assert [s["positions"]["AAA"] for s in strategy.seen] == [0, 10, 6, -10, 0]  # type: ignore[index]
    rows = [
        (t.direction, t.quantity, t.entry_price, t.exit_price, t.entry_ts_ns, t.exit_ts_ns)
        for t in result.trades
    ]
    assert rows == [
        (1, 4.0, 11.0, 12.0, TS[1], TS[2]),  # partial close of the long
        (1, 6.0, 11.0, 11.0, TS[1], TS[3]),  # rest of the long, closed by the flipping sell
        (-1, 10.0, 11.0, 10.0, TS[3], TS[4]),  # the short opened by the same sell
    ]
    # gross: 4*(12-11) = 4; 6*(11-11) = 0; short 10*(11-10) = 10
    assert [t.gross_pnl for t in result.trades] == [4.0, 0.0, 10.0]
    # commission per unit is 0.01 on every fill, so each matched unit carries 0.02
    assert [t.commission for t in result.trades] == pytest.approx([0.08, 0.12, 0.20])
    assert [t.net_pnl for t in result.trades] == pytest.approx([3.92, -0.12, 9.80])
    # ledger: -110 + 48 + 176 - 100 - 0.40 commission = 13.60 = sum of net P&L
    assert result.metrics.final_equity - 1_000 == pytest.approx(13.6)
    assert sum(t.net_pnl for t in result.trades) == pytest.approx(13.6)
    assert result.positions == ()


def test_position_average_price_is_that_of_the_open_fifo_lots() -> None:
    # buy 10 @ 11 (d1), buy 10 @ 12 (d2), sell 5 @ 11 (d3): FIFO closes 5 of the first lot,
    # leaving 5 @ 11 and 10 @ 12: avg (55 + 120) / 15 = 11.666...
    result, _, _ = run({0: [buy(10)], 1: [buy(10)], 2: [sell(5)]})
    (position,) = result.positions
    assert position.quantity == 15.0
    assert position.avg_price == pytest.approx(175 / 15)
    assert position.unrealized_pnl == pytest.approx(15 * 9.5 - 175)
    (trade,) = result.trades
    assert (trade.quantity, trade.entry_price, trade.exit_price) == (5.0, 11.0, 11.0)


def test_position_average_price_after_flip_is_the_flip_price() -> None:
    # buy 10 @ 11 (d1), sell 16 @ 12 (d2): short 6 opened at 12.00; marked at d4 close 9.50
    result, _, _ = run({0: [buy(10)], 1: [sell(16)]})
    (position,) = result.positions
    assert position.quantity == -6.0
    assert position.avg_price == 12.0
    assert position.market_value == -57.0
    assert position.unrealized_pnl == pytest.approx(-6 * (9.5 - 12.0))
    # cash 1000 - 110 + 192 = 1082; equity 1082 - 57 = 1025
    assert result.metrics.final_equity == pytest.approx(1025.0)
    assert result.equity_curve.gross_exposure[-1] == 57.0


# --- context helpers and multi-instrument steps --------------------------------------------------


def test_multi_instrument_steps_carry_only_instruments_with_a_bar() -> None:
    data = MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")],
        [series("AAA", [0, 1, 3, 4]), series("BBB", [0, 1, 2, 4])],
    )
    seen: list[tuple[int, ...]] = []

    def look(ctx: StrategyContext) -> None:
        seen.append((ctx.bar_count("AAA"), ctx.bar_count("BBB")))

    buy_bbb = lambda ctx: ctx.buy("BBB", 10)  # noqa: E731
    result, strategy, _ = run({0: [buy_bbb], 2: [look], 3: [look]}, data=data)
    assert [e[2] for e in strategy.events if e[0] == "bar"] == [
        ("AAA", "BBB"),
        ("AAA", "BBB"),
        ("BBB",),
        ("AAA",),
        ("AAA", "BBB"),
    ]
    assert seen == [(2, 3), (3, 3)]
    # BBB bought 10 @ 11 on d1; on d3 (no BBB bar) it is marked at its last close, d2's 12
    assert result.equity_curve.equity[3] == pytest.approx(890 + 120)


def test_context_views_and_target_helpers() -> None:
    record: dict[str, object] = {}

    def inspect(ctx: StrategyContext) -> None:
        record["history"] = tuple(ctx.history("AAA", "close", 2))
        record["all_highs"] = tuple(ctx.history("AAA", "high"))
        record["bar"] = ctx.bar("AAA")
        record["now"] = ctx.now
        record["time_ns"] = ctx.time_ns

    def half(ctx: StrategyContext) -> str | None:
        # equity 1000 at d0's close 10: 50 shares
        return ctx.order_target_percent("AAA", 0.5)

    def again(ctx: StrategyContext) -> str | None:
        return ctx.order_target_quantity("AAA", 50)

    result, strategy, _ = run(
        {0: [half], 1: [again, inspect], 2: [lambda ctx: ctx.close_position("AAA")]}
    )
    # half -> O-000001; again -> None (already 50); inspect -> None; close -> O-000002
    assert strategy.order_ids == ["O-000001", None, None, "O-000002"]
    assert record["history"] == (10.0, 11.0)
    assert record["all_highs"] == (11.0, 12.0)
    assert record["bar"] == series()[1]
    assert record["time_ns"] == TS[1]
    assert record["now"].date() == date(2024, 1, 3)  # type: ignore[attr-defined]
    assert [(f.side, f.quantity) for f in result.fills] == [("buy", 50.0), ("sell", 50.0)]


def test_target_percent_rounds_down_to_whole_lots() -> None:
    data = MarketData([Instrument(id="AAA", lot_size=100)], [series()])
    result, _, _ = run({0: [lambda ctx: ctx.order_target_percent("AAA", 0.9)]}, data=data)
    # 900 / 10 = 90 shares -> 0 lots of 100: nothing to do
    assert result.orders == ()
    result, _, _ = run({0: [lambda ctx: ctx.order_target_percent("AAA", 0.9)]}, config(cash=2000))
    assert result.orders[0].request.quantity == 180.0


# --- engine misbehaviour ------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, order_id: str, request: OrderRequest) -> None:
        self.submitted.append(order_id)

    def cancel(self, order_id: str) -> None:
        pass


class BuyOnce(Strategy):
    def on_bar(self, ctx: StrategyContext, bars: object) -> None:
        if ctx.bar_count("AAA") == 1:
            ctx.buy("AAA", 5)


def test_steps_must_follow_the_timeline() -> None:
    runner = StrategyRunner(BuyOnce(), config(), DATA, Recorder())
    runner.start()
    with pytest.raises(EngineRunError, match="next step of the timeline is 2024-01-02"):
        runner.step(TS[1])
    runner.step(TS[0])
    with pytest.raises(EngineRunError, match="next step of the timeline is 2024-01-03"):
        runner.step(TS[0])


def test_impossible_fills_fail_the_run() -> None:
    runner = StrategyRunner(BuyOnce(), config(), DATA, Recorder())
    runner.start()
    runner.step(TS[0])
    with pytest.raises(EngineRunError, match="unknown order O-000009"):
        runner.filled("O-000009", 1, 10.0, TS[0])
    with pytest.raises(EngineRunError, match=r"filled 6\.0 of order O-000001, which is for 5\.0"):
        runner.filled("O-000001", 6, 10.0, TS[0])
    with pytest.raises(EngineRunError, match="positive finite"):
        runner.filled("O-000001", 1, float("nan"), TS[0])
    runner.filled("O-000001", 5, 10.0, TS[0])
    with pytest.raises(EngineRunError, match="filled order O-000001"):
        runner.filled("O-000001", 1, 10.0, TS[0])
    with pytest.raises(EngineRunError, match="unknown order O-000002"):
        runner.canceled("O-000002", TS[0])


def test_rejection_is_recorded_with_its_reason() -> None:
    strategy = Scripted({0: [buy(5)]})
    runner = StrategyRunner(strategy, config(), DATA, Recorder())
    runner.start()
    runner.step(TS[0])
    runner.rejected("O-000001", TS[1], "insufficient cash")
    runner.canceled("O-000001", TS[1])
    runner.step(TS[1])
    (order,) = runner.result(FAKE_ENGINE).orders
    assert (order.status, order.reason, order.ts_ns) == (
        OrderStatus.REJECTED,
        "insufficient cash",
        TS[1],
    )
    assert ("update", "O-000001", "rejected") in strategy.events
    assert ("update", "O-000001", "canceled") not in strategy.events


def test_order_type_follows_the_prices_given() -> None:
    script = {0: [buy(1), buy(1, limit_price=9.5), buy(1, stop_price=12.5)]}
    script[1] = [buy(1, stop_price=12.5, limit_price=12.6)]
    result, _, _ = run(script)
    types = [o.request.order_type.value for o in result.orders]
    assert types == ["market", "limit", "stop", "stop_limit"]
    # the stop-limit triggers on d2 (high 13 >= 12.5) and fills at 12.50 <= its limit 12.60
    fills = {f.order_id: (f.price, f.ts_ns) for f in result.fills}
    assert fills["O-000004"] == (12.5, TS[2])
    # the limit at 9.50 waits for d4 (low 9); the stop at 12.50 trades on d2 (high 13)
    assert fills["O-000002"] == (9.5, TS[4])
    assert fills["O-000003"] == (12.5, TS[2])


def test_account_snapshot_by_hand() -> None:
    # Buy 10 on d0 (commission 0.01/share) -> fills at d1 open 11.00: cash 1000 - 110 - 0.10.
    # At d1 the close is 11.00: net = gross = 110, equity 889.90 + 110 = 999.90.
    states: list[object] = []
    result, _, _ = run(
        {0: [buy(10)], 1: [lambda ctx: states.append(ctx.account())]},
        config(commission_per_share=0.01),
    )
    (state,) = states
    assert isinstance(state, AccountState)
    assert state.ts_ns == TS[1]
    assert state.cash == pytest.approx(889.9)
    assert (state.net_exposure, state.gross_exposure) == (110.0, 110.0)
    assert state.equity == pytest.approx(999.9)
    assert state.positions == (("AAA", 10.0),)
    assert state.leverage == pytest.approx(110.0 / 999.9)
    assert result.equity_curve.equity[1] == pytest.approx(state.equity)
