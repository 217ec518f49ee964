"""The simulated broker on hand-computed cases: ADR 0003's fills, cash checks, expiry, costs."""

from __future__ import annotations

from datetime import date

import pytest
from contracts_fake_engine import Scripted

from finbot.contracts import (
    AccountKind,
    AccountModel,
    AccountState,
    Bar,
    BarSeries,
    CostModel,
    DatasetRef,
    EngineInfo,
    FillPolicy,
    Instrument,
    MarketData,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    RunConfig,
    StrategySpec,
    TimeInForce,
    to_ns,
)
from finbot.contracts.engine import BrokerEventKind, MarginRule, SimulatedBroker, simulate

DAY = 86_400 * 10**9
TS = [to_ns(date(2024, 1, 2)) + i * DAY for i in range(5)]
# open, high, low, close
ROWS = [
    (100.0, 102.0, 99.0, 101.0),
    (103.0, 105.0, 102.0, 104.0),
    (104.0, 106.0, 100.0, 101.0),
    (98.0, 99.0, 95.0, 97.0),
    (97.0, 100.0, 96.0, 99.0),
]
DATA = MarketData(
    [Instrument(id="AAA")],
    [BarSeries.from_bars("AAA", [Bar(t, *r, 1_000.0) for t, r in zip(TS, ROWS, strict=True)])],
    name="hand-made",
)
SIM = EngineInfo(name="sim", version="1", adapter="tests", adapter_version="1")


def run(
    script, *, cash=100_000.0, costs=None, policy=FillPolicy.NEXT_OPEN, account=None, **broker
):
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        starting_cash=cash,
        cost_model=costs or CostModel(),
        fill_policy=policy,
        engine="sim",
        account=account or AccountModel(),
    )
    strategy = Scripted(script)
    return simulate(strategy, config, DATA, SIM, **broker), strategy


def fills(result):
    return [(f.order_id, f.quantity, f.price, f.ts_ns) for f in result.fills]


def final(result, order_id="O-000001"):
    order = next(o for o in result.orders if o.order_id == order_id)
    return order.status, order.ts_ns, order.reason


def test_market_order_fills_at_next_open_slipped_and_charged():
    costs = CostModel(commission_bps=10.0, slippage_bps=10.0)
    result, strategy = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, costs=costs)
    # 103 * (1 + 10bp) = 103.103; commission 10 * 103.103 * 10bp = 1.03103 -> 1.03
    assert fills(result) == [("O-000001", 10.0, 103.103, TS[1])]
    assert result.fills[0].commission == 1.03
    assert strategy.seen[1]["cash"] == pytest.approx(100_000.0 - 1031.03 - 1.03)
    assert final(result) == (OrderStatus.FILLED, TS[1], None)


def test_this_close_fills_at_the_placing_bars_close_before_the_next_step():
    result, strategy = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, policy=FillPolicy.THIS_CLOSE)
    assert fills(result) == [("O-000001", 10.0, 101.0, TS[0])]
    assert strategy.seen[1]["positions"] == {"AAA": 10.0}


def test_limit_fills_at_a_gapped_open_or_at_its_limit_inside_the_bar():
    script = {
        0: [
            lambda ctx: ctx.buy("AAA", 1, limit_price=103.5),  # open 103 already below: 103
            lambda ctx: ctx.buy("AAA", 1, limit_price=102.5),  # low 102 reaches it: 102.5
            lambda ctx: ctx.buy("AAA", 1, limit_price=90.0),  # never reached
        ]
    }
    result, _ = run(script)
    assert fills(result) == [
        ("O-000001", 1.0, 103.0, TS[1]),
        ("O-000002", 1.0, 102.5, TS[1]),
    ]
    assert final(result, "O-000003") == (OrderStatus.CANCELED, TS[4], "end of data")


def test_sell_stop_gapped_through_fills_at_the_open_slipped():
    costs = CostModel(slippage_bps=100.0)
    script = {
        0: [lambda ctx: ctx.buy("AAA", 10)],
        1: [lambda ctx: ctx.sell("AAA", 10, stop_price=99.0)],  # bar 2 low 100; bar 3 opens 98
    }
    result, _ = run(script, costs=costs)
    assert fills(result)[1] == ("O-000002", 10.0, 98.0 * 0.99, TS[3])
    assert result.fills[1].slippage == pytest.approx(10 * 0.98)


def test_day_order_works_one_bar_then_expires():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 1, limit_price=90.0, time_in_force="day")]})
    assert final(result) == (OrderStatus.EXPIRED, TS[2], None)


def test_cash_is_checked_at_acceptance_then_at_the_fill_price():
    # 10 x close 101 = 1010 > 1000: rejected when the broker takes it, at the next step.
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, cash=1_000.0)
    assert final(result) == (OrderStatus.REJECTED, TS[1], "insufficient cash")
    # 1010 <= 1020 is accepted, but the fill at the open, 1030, is not.
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, cash=1_020.0)
    assert final(result) == (OrderStatus.REJECTED, TS[1], "insufficient cash")
    assert result.fills == ()


MARGIN = AccountModel(kind=AccountKind.MARGIN)


def test_a_margin_account_lends_up_to_its_initial_margin():
    # 1,020 cash buys 10 at the open 103 = 1,030 on margin: equity 1,020 >= 50% of 1,030.
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, cash=1_020.0, account=MARGIN)
    assert fills(result) == [("O-000001", 10.0, 103.0, TS[1])]
    assert result.equity_curve.cash[2] == pytest.approx(-10.0)
    # 20 at 103 = 2,060 is accepted at the close 101 (equity 1,020 >= 50% of 2,020), but the
    # fill at the open leaves equity 1,020 < 50% of 2,060 = 1,030: refused there.
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 20)]}, cash=1_020.0, account=MARGIN)
    assert final(result) == (OrderStatus.REJECTED, TS[1], "insufficient margin")
    # 30% initial margin lends more: 1,020 >= 30% of 2,060 = 618
    loose = AccountModel(kind=AccountKind.MARGIN, initial_margin=0.3)
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 20)]}, cash=1_020.0, account=loose)
    assert fills(result) == [("O-000001", 20.0, 103.0, TS[1])]


def test_fill_cap_leaves_the_rest_working_on_later_bars():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, fill_cap=lambda bar, qty: 4.0)
    assert fills(result) == [
        ("O-000001", 4.0, 103.0, TS[1]),
        ("O-000001", 4.0, 104.0, TS[2]),
        ("O-000001", 2.0, 98.0, TS[3]),
    ]


def test_cancel_is_reported_at_the_asking_step_and_ignored_before_acceptance():
    def place_and_cancel(ctx):
        ctx.cancel_order(ctx.buy("AAA", 1, limit_price=90.0))

    script = {
        0: [lambda ctx: ctx.buy("AAA", 1, limit_price=90.0)],
        1: [lambda ctx: ctx.cancel_order("O-000001"), place_and_cancel],
    }
    result, _ = run(script)
    assert final(result) == (OrderStatus.CANCELED, TS[1], None)
    # placed and canceled on one step: not yet accepted, so it keeps working to the end
    assert final(result, "O-000002") == (OrderStatus.CANCELED, TS[4], "end of data")


def test_a_cash_account_refuses_short_sales_and_a_margin_account_checks_them():
    result, _ = run({0: [lambda ctx: ctx.sell("AAA", 5)]})
    assert final(result) == (
        OrderStatus.REJECTED,
        TS[1],
        "a cash account cannot sell short (use a margin account)",
    )
    result, _ = run({0: [lambda ctx: ctx.sell("AAA", 5)]}, account=MARGIN)
    assert fills(result) == [("O-000001", 5.0, 103.0, TS[1])]
    assert result.positions[0].quantity == -5.0
    # 1e9 shares short at 103 on 100,000 of equity: far beyond 50% margin, refused when placed
    result, _ = run({0: [lambda ctx: ctx.sell("AAA", 1e9)]}, account=MARGIN)
    assert final(result) == (OrderStatus.REJECTED, TS[1], "insufficient margin")
    # the unchecked account (what Backtrader does) lets it through
    unchecked = AccountModel(kind=AccountKind.UNCHECKED)
    result, _ = run({0: [lambda ctx: ctx.sell("AAA", 1e9)]}, account=unchecked)
    assert fills(result) == [("O-000001", 1e9, 103.0, TS[1])]


def test_the_margin_rule_values_the_whole_book_and_never_blocks_covering():
    rule = MarginRule(AccountModel(kind=AccountKind.MARGIN, initial_margin=0.5))
    others = lambda: [(100.0, 50.0), (-40.0, 25.0)]  # noqa: E731  long 5,000, short 1,000
    # buy 10 at 100 leaving cash 500: equity 500 + 1,000 + 5,000 - 1,000 = 5,500;
    # gross 1,000 + 5,000 + 1,000 = 7,000; 5,500 >= 3,500
    assert rule.refusal(True, 10.0, 0.0, 500.0, 100.0, others) is None
    # leaving cash -2,100: equity 2,900 < 3,500
    assert rule.refusal(True, 10.0, 0.0, -2_100.0, 100.0, others) == "insufficient margin"
    # covering part of a short never needs margin, even on a book under water
    assert rule.refusal(True, 10.0, -20.0, -1e6, 100.0, others) is None
    # a sell that flips long 5 to short 5 opens a short: checked
    assert rule.refusal(False, 10.0, 5.0, -1e6, 100.0, others) == "insufficient margin"


def test_a_fractional_quantity_is_refused_when_placed():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 0.5)]})
    assert final(result) == (
        OrderStatus.REJECTED,
        TS[0],
        "quantity 0.5 of AAA is not a whole number of lots (lot size 1)",
    )


class _View:
    """The smallest BrokerView: one instrument with one bar seen."""

    time_ns = TS[0]
    instrument_ids = ("AAA",)
    cash = 100_000.0

    def position(self, instrument_id):
        return 0.0

    def bar(self, instrument_id):
        return DATA.bars("AAA")[0]

    def bar_count(self, instrument_id):
        return 1

    def account(self):
        return AccountState(TS[0], self.cash, self.cash, 0.0, 0.0, ())


def test_modify_changes_a_working_order_from_the_next_poll():
    broker = SimulatedBroker(_View(), fill_policy=FillPolicy.NEXT_OPEN, cost_model=CostModel())
    request = OrderRequest(
        instrument_id="AAA",
        side=OrderSide.BUY,
        quantity=2,
        order_type=OrderType.LIMIT,
        limit_price=90.0,
        time_in_force=TimeInForce.GTC,
    )
    assert broker.submit("O-1", request) is None
    bar1 = DATA.bars("AAA")[1]
    assert [e.kind for e in broker.poll(TS[1], {"AAA": bar1})] == [BrokerEventKind.ACCEPTED]
    changed = broker.modify("O-1", quantity=3, limit_price=102.5)
    assert isinstance(changed, OrderRequest) and changed.quantity == 3.0
    refused = broker.modify("O-1", stop_price=1.0)
    assert isinstance(refused, str) and refused.startswith("order O-1 cannot be changed so:")
    assert "limit order takes no stop_price" in refused
    [event] = broker.poll(TS[1], {"AAA": bar1})
    assert (event.kind, event.quantity, event.price) == (BrokerEventKind.FILLED, 3.0, 102.5)
    assert broker.modify("O-1", quantity=1) == "order O-1 is not working"
    assert broker.refusal(request.model_copy(update={"instrument_id": "ZZZ"})) == (
        "instrument 'ZZZ' has no bars in this run"
    )


def test_an_oco_group_ends_together():
    def exits(stop, target):
        leg = {"instrument_id": "AAA", "side": OrderSide.SELL, "quantity": 10}
        return lambda ctx: ctx.submit_oco(
            [
                OrderRequest(**leg, order_type=OrderType.STOP, stop_price=stop),
                OrderRequest(**leg, order_type=OrderType.LIMIT, limit_price=target),
            ]
        )

    # bar 2 (104, 106, 100, 101) reaches both: the stop, placed first, fills; the target is
    # canceled in the same step, labelled with the step before it (as Backtrader reports it)
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)], 1: [exits(101.5, 105.5)]})
    assert fills(result)[1:] == [("O-000002", 10.0, 101.5, TS[2])]
    assert final(result, "O-000003") == (OrderStatus.CANCELED, TS[1], None)
    # the strategy canceling one leg cancels the other too, at the asking step
    script = {
        0: [lambda ctx: ctx.buy("AAA", 10)],
        1: [exits(90.0, 200.0)],
        2: [lambda ctx: ctx.cancel_order("O-000002")],
    }
    result, _ = run(script)
    assert final(result, "O-000002") == final(result, "O-000003") == (
        OrderStatus.CANCELED,
        TS[2],
        None,
    )
    with pytest.raises(ValueError, match="at least two orders"):
        run({0: [lambda ctx: ctx.submit_oco([])]})


def test_a_bracket_places_its_exits_once_the_entry_has_filled():
    entry = OrderRequest(instrument_id="AAA", side=OrderSide.BUY, quantity=10)
    bracket = {0: [lambda ctx: ctx.bracket(entry, stop_loss=95.0, take_profit=105.5)]}
    result, _ = run(bracket)
    # entry fills at the bar 1 open (103); the exits are placed at step 1, work from bar 2
    # (104, 106, 100, 101): the target fills at 105.5, the stop is canceled with it
    assert fills(result) == [("O-000001", 10.0, 103.0, TS[1]), ("O-000003", 10.0, 105.5, TS[2])]
    stop, target = result.orders[1:]
    assert (stop.request.stop_price, stop.submitted_ts_ns, stop.status) == (95.0, TS[1], "canceled")
    assert (target.request.tag, target.status) == ("bracket O-000001", "filled")
    with pytest.raises(ValueError, match=r"stop-loss \(106\.0\) below its take-profit"):
        run({0: [lambda ctx: ctx.bracket(entry, stop_loss=106.0, take_profit=105.5)]})
