"""IOC/FOK time in force and ``ctx.modify_order`` on hand-computed cases (simulated broker)."""

from __future__ import annotations

import pytest
from contracts_fake_engine import Scripted
from test_sim_broker import DATA, TS, fills, final, run

from finbot.contracts import (
    DatasetRef,
    OrderRequest,
    OrderSide,
    OrderStatus,
    RunConfig,
    StrategyRunner,
    StrategySpec,
)
from finbot.contracts.engine import FOK_CANCELED, IOC_CANCELED

# The hand-made bars (open, high, low, close): TS[1] = 103/105/102/104, TS[2] = 104/106/100/101.


def cap(units: float):
    return lambda bar, remaining: units


def events_of(strategy, order_id="O-000001"):
    """The order's updates and fills, and the bars, in the order the strategy saw them."""
    return [
        e
        for e in strategy.events
        if e[0] == "bar" or (e[0] in ("update", "fill") and e[1] == order_id)
    ]


def test_an_ioc_limit_that_cannot_fill_on_its_first_bar_is_canceled_on_that_step():
    result, strategy = run(
        {0: [lambda ctx: ctx.buy("AAA", 5, limit_price=90.0, time_in_force="ioc")]}
    )
    assert final(result) == (OrderStatus.CANCELED, TS[1], IOC_CANCELED)
    assert fills(result) == []
    # accepted and canceled before the strategy sees step 1: it never works past its first bar
    assert events_of(strategy)[:4] == [
        ("bar", 0, ("AAA",)),
        ("update", "O-000001", "accepted"),
        ("update", "O-000001", "canceled"),
        ("bar", 1, ("AAA",)),
    ]
    assert strategy.seen[1]["open_orders"] == []


def test_an_ioc_limit_reached_on_its_first_bar_fills_there():
    # TS[1] opens at 103, under the 103.5 limit: filled at the open
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 5, limit_price=103.5, time_in_force="ioc")]})
    assert fills(result) == [("O-000001", 5.0, 103.0, TS[1])]
    assert final(result)[0] is OrderStatus.FILLED


def test_ioc_keeps_what_a_capped_bar_fills_and_cancels_the_rest():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10, time_in_force="ioc")]}, fill_cap=cap(4))
    assert fills(result) == [("O-000001", 4.0, 103.0, TS[1])]
    order = result.orders[0]
    assert (order.status, order.ts_ns, order.reason) == (OrderStatus.CANCELED, TS[1], IOC_CANCELED)
    assert order.filled_quantity == 4.0
    # the same order good till canceled keeps working: 4 + 4 + 2 over three bars
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10)]}, fill_cap=cap(4))
    assert [f[1] for f in fills(result)] == [4.0, 4.0, 2.0]


def test_fok_fills_whole_or_not_at_all():
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10, time_in_force="fok")]}, fill_cap=cap(4))
    assert fills(result) == []
    assert final(result) == (OrderStatus.CANCELED, TS[1], FOK_CANCELED)
    result, _ = run({0: [lambda ctx: ctx.buy("AAA", 10, time_in_force="fok")]}, fill_cap=cap(10))
    assert fills(result) == [("O-000001", 10.0, 103.0, TS[1])]


def test_a_modified_limit_works_at_its_new_price_from_the_next_bar():
    script = {
        0: [lambda ctx: ctx.buy("AAA", 5, limit_price=90.0)],
        # bar 1 (low 102) did not reach 90; raised to 102.5, bar 2 (low 100) reaches it
        1: [lambda ctx: ctx.modify_order("O-000001", limit_price=102.5, quantity=7)],
    }
    result, strategy = run(script)
    assert strategy.order_ids == ["O-000001", None]  # the change was taken
    assert fills(result) == [("O-000001", 7.0, 102.5, TS[2])]
    order = result.orders[0]
    assert (order.order_id, order.request.limit_price, order.request.quantity) == (
        "O-000001",
        102.5,
        7.0,
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"limit_price": 100.0}, "cannot be changed so: market order takes no limit_price"),
        ({"quantity": -1.0}, "cannot be changed so: Input should be greater than 0"),
    ],
)
def test_a_change_that_does_not_fit_the_order_is_refused_and_the_order_kept(change, why):
    script = {
        0: [lambda ctx: ctx.buy("AAA", 5), lambda ctx: ctx.modify_order("O-000001", **change)]
    }
    result, strategy = run(script)
    assert strategy.order_ids[1] == f"order O-000001 {why}"
    assert fills(result) == [("O-000001", 5.0, 103.0, TS[1])]


def test_final_and_partly_filled_orders_cannot_change():
    script = {
        0: [lambda ctx: ctx.buy("AAA", 10)],
        1: [lambda ctx: ctx.modify_order("O-000001", quantity=20)],
    }
    _, strategy = run(script, fill_cap=cap(4))
    assert strategy.order_ids[1] == "order O-000001 is partly filled; cancel it and place a new one"
    _, strategy = run(script)
    assert strategy.order_ids[1] == "order O-000001 is not working"


def test_an_order_placed_on_the_final_step_changes_on_the_record_only():
    script = {
        4: [
            lambda ctx: ctx.buy("AAA", 5, limit_price=90.0),
            lambda ctx: ctx.modify_order("O-000001", limit_price=95.0),
        ]
    }
    result, strategy = run(script)
    assert strategy.order_ids == ["O-000001", None]
    assert result.orders[0].request.limit_price == 95.0
    assert result.orders[0].reason == "end of data"


class _NoModify:
    """A router of an engine that cannot change orders."""

    def submit(self, order_id: str, request: OrderRequest) -> None:
        pass

    def cancel(self, order_id: str) -> None:
        pass


def test_an_engine_without_modify_refuses_with_a_reason():
    config = RunConfig(strategy=StrategySpec(id="scripted"), dataset=DatasetRef(name="hand-made"))
    strategy = Scripted(
        {
            0: [
                lambda ctx: ctx.buy("AAA", 5, limit_price=90.0),
                lambda ctx: ctx.modify_order("O-000001", limit_price=95.0),
            ]
        }
    )
    runner = StrategyRunner(strategy, config, DATA, _NoModify())
    runner.start()
    runner.step(TS[0])
    assert strategy.order_ids[1] == (
        "order O-000001 cannot be changed: this engine cannot modify orders"
    )
    assert runner.orders.orders["O-000001"].request.limit_price == 90.0
    assert runner.orders.orders["O-000001"].request.side is OrderSide.BUY
