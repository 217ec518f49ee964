"""The paper broker as a ``Broker``: IOC/FOK under partial fills, modify, OCO groups; journaled."""

from __future__ import annotations

from paper_support import DAY, T0
from test_session import journal, kinds, run

from finbot.contracts import OrderRequest, OrderStatus, OrderType
from finbot.paper_broker import PaperSettings, RiskLimits

# 10% of each bar's 1,000 units of volume may fill: 100 a bar.
PARTIAL = PaperSettings(partial_fills=True, volume_share=0.1)
ROWS = [
    (100.0, 101, 99, 100),
    (101.0, 102, 100, 101),
    (102.0, 103, 101, 102),
    (100.0, 101, 99, 100),
]


def order_events(tmp_path):
    return [(k, oid, ts, p) for k, oid, ts, p in journal(tmp_path) if k.startswith("order_")]


def test_ioc_keeps_the_first_bars_share_and_cancels_the_rest(tmp_path):
    outcome = run(tmp_path, {0: [("buy", "AAA", 250, {"time_in_force": "ioc"})]}, ROWS, PARTIAL)
    assert [(f.quantity, f.price, f.ts_ns) for f in outcome.result.fills] == [
        (100.0, 101.0, T0 + DAY)
    ]
    assert [k for k in kinds(tmp_path) if k.startswith("order_")] == [
        "order_new",
        "order_accepted",
        "order_partially_filled",
        "order_canceled",
    ]
    canceled = order_events(tmp_path)[-1]
    assert canceled[2] == T0 + DAY
    assert canceled[3] == {
        "filled_quantity": 100.0,
        "reason": "immediate or cancel: the rest was not filled on its first bar",
    }


def test_fok_that_a_bar_cannot_fill_whole_fills_nothing(tmp_path):
    outcome = run(tmp_path, {0: [("buy", "AAA", 250, {"time_in_force": "fok"})]}, ROWS, PARTIAL)
    assert outcome.result.fills == ()
    (order,) = outcome.result.orders
    assert (order.status, order.ts_ns) == (OrderStatus.CANCELED, T0 + DAY)
    assert order.reason == "fill or kill: not filled whole on its first bar"
    outcome = run(
        tmp_path / "whole", {0: [("buy", "AAA", 80, {"time_in_force": "fok"})]}, ROWS, PARTIAL
    )
    assert [f.quantity for f in outcome.result.fills] == [80.0]


def test_a_modify_is_risk_checked_journaled_and_worked_from_the_next_bar(tmp_path):
    settings = PaperSettings(risk=RiskLimits(max_order_notional=2_000))
    script = {
        0: [("buy", "AAA", 10, {"limit_price": 90.0})],
        # 30 x 95 = 2,850 breaks the notional limit: refused, the order stays as it was
        1: [("modify_order", "O-000001", {"limit_price": 95.0, "quantity": 30})],
        # bar 3 (low 99) reaches 100.5: filled at its open, 100
        2: [("modify_order", "O-000001", {"limit_price": 100.5, "quantity": 15})],
    }
    outcome = run(tmp_path, script, ROWS, settings)
    assert [(f.quantity, f.price, f.ts_ns) for f in outcome.result.fills] == [
        (15.0, 100.0, T0 + 3 * DAY)
    ]
    modified = [p for k, _, _, p in order_events(tmp_path) if k == "order_modified"]
    assert [(p["quantity"], p["limit_price"]) for p in modified] == [(15.0, 100.5)]
    assert outcome.result.orders[0].request.quantity == 15.0


def _stop_and_target(ctx):
    leg = {"instrument_id": "AAA", "side": "sell", "quantity": 10}
    ctx.submit_oco(
        [
            OrderRequest(**leg, order_type=OrderType.STOP, stop_price=100.5),
            OrderRequest(**leg, order_type=OrderType.LIMIT, limit_price=100.5),
        ]
    )


def test_an_oco_group_reaches_the_venue_so_only_one_leg_fills(tmp_path):
    # Bar 2 (101..103) reaches the target and not the stop; the stop is canceled with it.
    script = {0: [("buy", "AAA", 10)], 1: [("call", _stop_and_target)]}
    outcome = run(tmp_path, script, ROWS)
    stop, target = outcome.result.orders[1:]
    assert (stop.status, target.status) == (OrderStatus.CANCELED, OrderStatus.FILLED)
    assert stop.oco_group == target.oco_group == "O-000002"
    assert sum(f.signed_quantity for f in outcome.result.fills) == 0.0
