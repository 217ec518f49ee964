"""Hand-checkable runs of the Backtrader adapter: five bars, scripted orders, numbers by hand."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import date, timedelta

import backtrader as bt
import pytest

from finbot.contracts import (
    END_OF_DATA,
    AccountKind,
    AccountModel,
    BacktestResult,
    Bar,
    BarSeries,
    CommissionRounding,
    ConfigError,
    CostModel,
    DatasetRef,
    DataValidationError,
    EngineRunError,
    FillPolicy,
    Instrument,
    MarketData,
    OrderStatus,
    OrderUpdate,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    TimeInForce,
    to_ns,
)
from finbot.engine_backtrader import BacktraderEngine, BacktraderSettings

DAYS = [date(2024, 1, 2) + timedelta(days=i) for i in range(5)]
TS = [to_ns(d) for d in DAYS]
#            open   high   low   close
OHLC = [
    (100.0, 101.0, 99.0, 100.0),
    (101.0, 103.0, 100.0, 102.0),
    (102.0, 104.0, 98.0, 99.0),
    (98.0, 100.0, 95.0, 96.0),
    (97.0, 99.0, 96.0, 98.0),
]

Action = Callable[[StrategyContext], object]


class Scripted(Strategy):
    """Runs ``actions[k]`` on step k; records what it saw."""

    strategy_id = "scripted"

    def __init__(self, actions: Mapping[int, Action]) -> None:
        super().__init__()
        self.actions = actions
        self.k = 0
        self.seen: list[set[str]] = []
        self.updates: list[OrderUpdate] = []

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.seen.append(set(bars))
        action = self.actions.get(self.k)
        if action is not None:
            action(ctx)
        self.k += 1

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        self.updates.append(update)


def series(iid: str, rows: list[int] | None = None) -> BarSeries:
    keep = range(5) if rows is None else rows
    return BarSeries.from_bars(iid, [Bar(TS[i], *OHLC[i], 1000.0) for i in keep])


def market(*parts: BarSeries) -> MarketData:
    return MarketData([Instrument(id=s.instrument_id) for s in parts], parts, name="hand")


def run(
    actions: Mapping[int, Action],
    *,
    policy: FillPolicy = FillPolicy.NEXT_OPEN,
    costs: CostModel | None = None,
    cash: float = 100_000.0,
    data: MarketData | None = None,
    account: AccountModel | None = None,
) -> tuple[BacktestResult, Scripted]:
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand"),
        starting_cash=cash,
        cost_model=costs or CostModel(commission_bps=10.0),
        fill_policy=policy,
        account=account or AccountModel(),
    )
    strategy = Scripted(actions)
    result = BacktraderEngine().run(config, strategy, data or market(series("A")))
    return result, strategy


def test_market_buy_fills_at_next_open_with_commission_and_cash_by_hand() -> None:
    result, _ = run({0: lambda ctx: ctx.buy("A", 10)})
    (fill,) = result.fills
    assert (fill.price, fill.quantity, fill.ts_ns) == (101.0, 10.0, TS[1])
    assert fill.commission == 1.01  # 10 * 101 * 10 bp
    cash = 100_000.0 - 1010.0 - 1.01
    assert result.equity_curve.equity[:2] == (100_000.0, pytest.approx(cash + 10 * 102.0))
    assert result.metrics.final_equity == pytest.approx(cash + 10 * 98.0, rel=1e-12)
    assert result.orders[0].status is OrderStatus.FILLED
    assert result.engine.name == "backtrader"
    assert result.engine.version == bt.__version__


def test_this_close_fills_at_the_close_of_the_bar_it_was_placed_on() -> None:
    result, _ = run({0: lambda ctx: ctx.buy("A", 10)}, policy=FillPolicy.THIS_CLOSE)
    (fill,) = result.fills
    assert (fill.price, fill.ts_ns, fill.commission) == (100.0, TS[0], 1.0)
    assert result.metrics.final_equity == pytest.approx(100_000.0 - 1001.0 + 980.0, rel=1e-12)


def test_order_for_more_than_the_cash_is_rejected() -> None:
    result, strategy = run({0: lambda ctx: ctx.buy("A", 100)}, cash=1_000.0)
    (order,) = result.orders
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "insufficient cash"
    assert result.fills == ()
    assert result.metrics.final_equity == 1_000.0
    assert [u.status for u in strategy.updates] == [OrderStatus.REJECTED]


def test_unreachable_limit_is_canceled_at_end_of_data() -> None:
    result, strategy = run({0: lambda ctx: ctx.buy("A", 10, limit_price=50.0)})
    (order,) = result.orders
    assert (order.status, order.reason, order.ts_ns) == (OrderStatus.CANCELED, END_OF_DATA, TS[4])
    assert [u.status for u in strategy.updates] == [OrderStatus.ACCEPTED, OrderStatus.CANCELED]
    assert result.fills == ()


def test_limit_fills_at_its_price_inside_the_bar_and_at_the_open_through_a_gap() -> None:
    inside, _ = run({0: lambda ctx: ctx.buy("A", 10, limit_price=100.5)})
    assert [(f.price, f.ts_ns) for f in inside.fills] == [(100.5, TS[1])]
    gapped, _ = run({0: lambda ctx: ctx.buy("A", 10, limit_price=102.0)})
    assert [(f.price, f.ts_ns) for f in gapped.fills] == [(101.0, TS[1])]  # open beat the limit


def test_stop_fills_at_trigger_inside_the_bar_and_at_the_open_through_a_gap() -> None:
    inside, _ = run(
        {0: lambda ctx: ctx.buy("A", 10), 1: lambda ctx: ctx.sell("A", 10, stop_price=99.5)}
    )
    assert [(f.price, f.ts_ns) for f in inside.fills] == [(101.0, TS[1]), (99.5, TS[2])]
    gapped, _ = run(
        {0: lambda ctx: ctx.buy("A", 10), 2: lambda ctx: ctx.sell("A", 10, stop_price=99.0)}
    )
    assert [(f.price, f.ts_ns) for f in gapped.fills] == [(101.0, TS[1]), (98.0, TS[3])]


def test_slippage_moves_market_fills_uncapped_and_leaves_limits_alone() -> None:
    costs = CostModel(slippage_bps=300.0)
    result, _ = run(
        {0: lambda ctx: ctx.buy("A", 10), 2: lambda ctx: ctx.sell("A", 10)}, costs=costs
    )
    buy, sell = result.fills
    assert buy.price == 101.0 * 1.03  # above the bar's high of 103: not capped
    assert buy.slippage == pytest.approx(10 * 101.0 * 0.03)
    assert sell.price == 98.0 * (1 - 0.03)
    limit, _ = run({0: lambda ctx: ctx.buy("A", 10, limit_price=102.0)}, costs=costs)
    assert [f.price for f in limit.fills] == [101.0]
    assert limit.fills[0].slippage == 0.0


def test_strategy_cancel_is_reported_at_the_step_that_asked() -> None:
    ids: list[str] = []
    result, _ = run(
        {
            0: lambda ctx: ids.append(ctx.buy("A", 10, limit_price=50.0)),
            2: lambda ctx: ctx.cancel_order(ids[0]),
        }
    )
    (order,) = result.orders
    assert (order.status, order.reason, order.ts_ns) == (OrderStatus.CANCELED, None, TS[2])


def test_day_order_is_good_for_the_next_bar_only() -> None:
    result, _ = run(
        {0: lambda ctx: ctx.buy("A", 10, limit_price=50.0, time_in_force=TimeInForce.DAY)}
    )
    (order,) = result.orders
    assert (order.status, order.ts_ns) == (OrderStatus.EXPIRED, TS[2])
    filled, _ = run(
        {0: lambda ctx: ctx.buy("A", 10, limit_price=100.5, time_in_force=TimeInForce.DAY)}
    )
    assert [f.ts_ns for f in filled.fills] == [TS[1]]


@pytest.mark.parametrize(
    ("policy", "price", "ts"),
    [(FillPolicy.NEXT_OPEN, 98.0, TS[3]), (FillPolicy.THIS_CLOSE, 102.0, TS[1])],
)
def test_missing_bar_steps_without_the_instrument_and_fills_on_its_own_bars(
    policy: FillPolicy, price: float, ts: int
) -> None:
    data = market(series("A"), series("B", [0, 1, 3, 4]))
    result, strategy = run({1: lambda ctx: ctx.buy("B", 10)}, data=data, policy=policy)
    assert strategy.seen == [{"A", "B"}, {"A", "B"}, {"A"}, {"A", "B"}, {"A", "B"}]
    assert [(f.instrument_id, f.price, f.ts_ns) for f in result.fills] == [("B", price, ts)]
    assert result.equity_curve.ts_ns == tuple(TS)


def test_instrument_starting_late_steps_before_its_first_bar() -> None:
    data = market(series("A"), series("B", [2, 3, 4]))
    result, strategy = run({2: lambda ctx: ctx.buy("B", 10)}, data=data)
    assert strategy.seen == [{"A"}, {"A"}, {"A", "B"}, {"A", "B"}, {"A", "B"}]
    assert [(f.price, f.ts_ns) for f in result.fills] == [(98.0, TS[3])]


def test_order_on_the_final_step_never_reaches_backtrader() -> None:
    result, _ = run({4: lambda ctx: ctx.buy("A", 10)}, policy=FillPolicy.THIS_CLOSE)
    (order,) = result.orders
    assert (order.status, order.reason) == (OrderStatus.CANCELED, END_OF_DATA)
    assert result.fills == ()


def test_order_for_an_unknown_instrument_is_rejected() -> None:
    result, _ = run({0: lambda ctx: ctx.buy("ZZZ", 1)})
    (order,) = result.orders
    assert order.status is OrderStatus.REJECTED
    assert "ZZZ" in (order.reason or "")


def test_books_that_disagree_with_backtrader_fail_the_run() -> None:
    # Backtrader charges a reversal through zero as two fills (close + open), each paying the
    # minimum; the contract charges one fill. The cross-check must catch the gap.
    # (A cash account refuses the reversal; a margin account lets it through.)
    costs = CostModel(commission_per_share=0.005, commission_minimum=5.0)
    margin = AccountModel(kind=AccountKind.MARGIN)
    with pytest.raises(EngineRunError, match="final equity disagrees"):
        run(
            {0: lambda ctx: ctx.buy("A", 10), 1: lambda ctx: ctx.sell("A", 20)},
            costs=costs,
            account=margin,
        )


def test_empty_data_is_refused() -> None:
    empty = MarketData([Instrument(id="A")], [BarSeries.from_bars("A", [])], name="empty")
    with pytest.raises(DataValidationError, match="no bars"):
        run({}, data=empty)


def test_settings_are_keyword_only_and_validated() -> None:
    assert BacktraderSettings().equity_rel_tolerance == 1e-6
    with pytest.raises(TypeError):
        BacktraderSettings(1e-6)  # type: ignore[misc]
    with pytest.raises(ConfigError, match="equity_rel_tolerance"):
        BacktraderSettings(equity_rel_tolerance=0.0)


def test_rounding_none_keeps_fractional_cents() -> None:
    costs = CostModel(commission_per_share=0.0033, rounding=CommissionRounding.NONE)
    result, _ = run({0: lambda ctx: ctx.buy("A", 10)}, costs=costs)
    assert result.fills[0].commission == pytest.approx(0.033)


def test_import_without_backtrader_names_the_install_command() -> None:
    code = (
        "import sys; sys.modules['backtrader'] = None\n"
        "try:\n    import finbot.engine_backtrader\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "uv add finbot-engine-backtrader" in out.stdout
