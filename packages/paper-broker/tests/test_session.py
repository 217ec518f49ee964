"""The paper session on hand-made bars: lifecycle in the journal, partial fills, risk, controls."""

from __future__ import annotations

import json
import os
import signal

import pytest
from paper_support import DAY, T0, Plan, config, market

from finbot.contracts import OrderStatus
from finbot.paper_broker import (
    CheckpointError,
    JournalError,
    PaperSession,
    PaperSettings,
    RiskLimits,
    request_kill,
    request_reset,
)
from finbot.paper_broker import _controls as controls_module
from finbot.paper_broker._controls import Controls
from finbot.paper_broker._journal import Journal

FLAT = [(100.0, 101.0, 99.0, 100.0)] * 6


def run(tmp_path, script, rows=FLAT, settings=None, cash=100_000.0, **kw):
    session = PaperSession.open(
        tmp_path,
        config=config(cash),
        settings=settings or PaperSettings(),
        strategy=Plan(script),
        data=market(rows),
    )
    outcome = session.run(**kw)
    session.close()
    return outcome


def journal(tmp_path):
    return [
        (e.kind, e.order_id, e.ts_ns, dict(e.payload))
        for e in Journal(tmp_path / "journal.sqlite").entries()
    ]


def kinds(tmp_path):
    return [k for k, *_ in journal(tmp_path)]


def test_every_order_event_is_journaled_in_lifecycle_order(tmp_path):
    rows = [(100.0, 101, 99, 100), (102.0, 103, 101, 102), *FLAT[:2]]
    outcome = run(tmp_path, {0: [("buy", "AAA", 10)], 3: [("buy", "AAA", 5)]}, rows)
    assert kinds(tmp_path) == [
        "session_started",
        "order_new",
        "order_accepted",
        "order_filled",
        "order_new",  # placed on the last step: never routed, canceled at the end
        "order_canceled",
        "session_finished",
    ]
    (_, oid, ts, fill) = journal(tmp_path)[3]
    assert (oid, ts, fill["price"], fill["quantity"]) == ("O-000001", T0 + DAY, 102.0, 10.0)
    assert journal(tmp_path)[5][3]["reason"] == "end of data"
    result = outcome.result
    assert [o.status for o in result.orders] == [OrderStatus.FILLED, OrderStatus.CANCELED]
    assert result.equity_curve.equity[-1] == 100_000.0 - 10 * 102 + 10 * 100


def test_partial_fills_take_a_share_of_each_bar_and_the_rest_works_on(tmp_path):
    # 10% of 1,000 = 100 units a bar: 250 fill as 100 + 100 + 50 at the opens of bars 1, 2, 3
    rows = [(100.0, 101, 99, 100), (101.0, 102, 100, 101), (102.0, 103, 101, 102), *FLAT[:2]]
    settings = PaperSettings(partial_fills=True, volume_share=0.1)
    outcome = run(tmp_path, {0: [("buy", "AAA", 250)]}, rows, settings)
    fills = outcome.result.fills
    assert [(f.quantity, f.price) for f in fills] == [(100.0, 101.0), (100.0, 102.0), (50.0, 100.0)]
    assert [k for k in kinds(tmp_path) if k.startswith("order")] == [
        "order_new",
        "order_accepted",
        "order_partially_filled",
        "order_partially_filled",
        "order_filled",
    ]
    assert outcome.result.equity_curve.cash[-1] == 100_000.0 - 10_100 - 10_200 - 5_000


def test_a_risk_rejection_names_the_rule_and_numbers_in_the_result_and_journal(tmp_path):
    settings = PaperSettings(risk=RiskLimits(max_order_notional=500))
    outcome = run(tmp_path, {0: [("buy", "AAA", 10)], 1: [("buy", "AAA", 5)]}, settings=settings)
    first, second = outcome.result.orders
    assert first.status is OrderStatus.REJECTED
    assert first.reason == (
        "max_order_notional: order value 1,000.00 (10 x 100.00) exceeds the limit 500.00"
    )
    assert second.status is OrderStatus.FILLED
    rejected = [p for k, _, _, p in journal(tmp_path) if k == "order_rejected"]
    assert rejected == [{"filled_quantity": 0.0, "reason": first.reason}]
    recorded = json.loads(outcome.result.engine.details["paper_settings"])
    assert recorded["risk"]["max_order_notional"] == 500


def _kill(ctx, directory):
    request_kill(directory)


def _reset(ctx, directory):
    request_reset(directory)


@pytest.fixture
def every_step(monkeypatch):
    """Look at the control files on every step (the replay is faster than the poll interval)."""
    monkeypatch.setattr(controls_module, "POLL_SECONDS", 0.0)


@pytest.mark.usefixtures("every_step")
def test_kill_switch_cancels_flattens_stays_tripped_and_resets_explicitly(tmp_path):
    script = {
        0: [("buy", "AAA", 10)],  # fills at bar 1's open
        1: [("buy", "AAA", 5, {"limit_price": 50.0}), ("call", _kill, tmp_path)],
        2: [("buy", "AAA", 1)],  # refused: tripped at the start of step 2
        3: [("buy", "AAA", 1)],  # still refused
        4: [("call", _reset, tmp_path)],
        5: [("buy", "AAA", 1, {"limit_price": 100.0})],  # reset at the start of step 5: goes
    }
    outcome = run(tmp_path, script)
    orders = {o.order_id: o for o in outcome.result.orders}
    assert orders["O-000002"].status is OrderStatus.CANCELED  # the working limit
    flatten = orders["O-000003"]
    assert flatten.request.tag == "kill switch: flatten" and flatten.request.quantity == 10
    assert flatten.status is OrderStatus.FILLED
    for oid in ("O-000004", "O-000005"):
        assert orders[oid].status is OrderStatus.REJECTED
        assert orders[oid].reason.startswith("kill_switch: tripped (kill flag file")
    assert orders["O-000006"].status is OrderStatus.CANCELED  # last step, end of data
    events = journal(tmp_path)
    tripped = [e for e in events if e[0] == "kill_switch_tripped"]
    assert [e[2] for e in tripped] == [T0 + 2 * DAY]
    assert [e[2] for e in events if e[0] == "kill_switch_reset"] == [T0 + 5 * DAY]
    assert not (tmp_path / "RESET").exists()
    assert not outcome.result.positions


def test_drawdown_stop_halts_entries_and_flattens_at_the_hand_computed_step(tmp_path):
    # cash 10,000; 90 units bought at 100 (bar 1 open) leave 1,000; bar 1 closes at 100: equity
    # 10,000 (the peak). 1 more bought at 95 (bar 2 open) leaves 905; bar 2 closes at 94:
    # 905 + 91 x 94 = 9,459, which is 5.41% below the peak: the stop trips at step 2
    rows = [
        (100.0, 101, 99, 100),
        (100.0, 101, 99, 100),
        (95.0, 96, 93, 94),
        (94.0, 95, 93, 94),
        (94.0, 95, 93, 94),
    ]
    settings = PaperSettings(risk=RiskLimits(drawdown_stop_pct=5, flatten_on_drawdown=True))
    script = {0: [("buy", "AAA", 90)], 1: [("buy", "AAA", 1)], 2: [("buy", "AAA", 1)]}
    outcome = run(tmp_path, script, rows, settings, cash=10_000.0)
    orders = outcome.result.orders
    assert orders[1].status is OrderStatus.FILLED  # step 1: 0% down
    halt = [p["reason"] for k, _, _, p in journal(tmp_path) if k == "drawdown_stop"]
    assert halt == [
        "drawdown_stop_pct: equity 9,459.00 is 5.41% below the peak 10,000.00, "
        "at or past the 5% stop"
    ]
    flatten = orders[2]
    assert flatten.request.tag == "drawdown stop: flatten" and flatten.request.quantity == 91
    assert orders[3].status is OrderStatus.REJECTED
    assert orders[3].reason.startswith("drawdown_stop_pct: equity 9,459.00")
    assert outcome.result.fills[-1].price == 94.0 and not outcome.result.positions


def _sigterm(ctx):
    os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_trips_flattens_then_stops_and_a_resume_stays_tripped(tmp_path):
    script = {0: [("buy", "AAA", 10)], 2: [("call", _sigterm)], 4: [("buy", "AAA", 1)]}
    outcome = run(tmp_path, script, handle_signals=True)
    assert outcome.result is None
    assert "SIGTERM" in outcome.stopped
    # tripped at step 3, flattened at step 4's open: stopped after step 4
    assert [k for k in kinds(tmp_path) if "kill" in k] == ["kill_switch_tripped"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    # resumed from the checkpoint written at the stop: the strategy's buy at step 4 is refused
    session = PaperSession.open(
        tmp_path,
        config=config(),
        settings=PaperSettings(),
        strategy=Plan(script),
        data=market(FLAT),
    )
    result = session.run().result
    assert result.orders[-1].reason.startswith("kill_switch: tripped (SIGTERM received)")
    assert kinds(tmp_path).count("session_resumed") == 1


def test_a_finished_session_does_not_run_again_and_a_foreign_one_is_refused(tmp_path):
    run(tmp_path, {0: [("buy", "AAA", 1)]})
    session = PaperSession.open(
        tmp_path, config=config(), settings=PaperSettings(), strategy=Plan({}), data=market(FLAT)
    )
    with pytest.raises(CheckpointError, match="already finished"):
        session.run()
    with pytest.raises(CheckpointError, match="another session"):
        PaperSession.open(
            tmp_path,
            config=config(cash=5.0),
            settings=PaperSettings(),
            strategy=Plan({}),
            data=market(FLAT),
        )


def test_a_replay_that_differs_from_the_journal_stops(tmp_path):
    run(tmp_path, {0: [("buy", "AAA", 1)]})
    (tmp_path / "checkpoint.pkl").unlink()  # replay everything from the start...
    session = PaperSession.open(
        tmp_path,
        config=config(),
        settings=PaperSettings(),
        strategy=Plan({0: [("buy", "AAA", 2)]}),
        data=market(FLAT),
    )
    with pytest.raises(JournalError, match="diverged from its journal at event 2"):
        session.run()  # ...with a strategy that now buys 2, not 1


@pytest.mark.usefixtures("every_step")
def test_sigterm_after_a_kill_flag_still_stops_the_session(tmp_path):
    script = {0: [("buy", "AAA", 10), ("call", _kill, tmp_path)], 2: [("call", _sigterm)]}
    outcome = run(tmp_path, script, handle_signals=True)
    assert outcome.result is None and "SIGTERM" in outcome.stopped
    tripped = [p["reason"] for k, _, _, p in journal(tmp_path) if k == "kill_switch_tripped"]
    assert len(tripped) == 1 and tripped[0].startswith("kill flag file")


def test_control_files_are_looked_at_once_per_poll_interval(tmp_path):
    now = [0.0]
    controls = Controls(tmp_path, clock=lambda: now[0])
    assert controls.kill_requested() is None
    request_kill(tmp_path)
    now[0] = 0.049
    assert controls.kill_requested() is None  # not looked again yet
    now[0] = 0.05
    assert controls.kill_requested().startswith("kill flag file")
    controls.sigterm = True  # a signal is seen at once
    assert controls.kill_requested() == "SIGTERM received"


class RecordingClock:
    """A Clock that records the steps it was asked to wait for, and never waits."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def wait_until(self, ts_ns: int) -> None:
        self.asked.append(ts_ns)

    def now_ns(self) -> int:
        return self.asked[-1] if self.asked else 0


def test_the_clock_is_asked_before_every_step(tmp_path):
    clock = RecordingClock()
    session = PaperSession.open(
        tmp_path,
        config=config(),
        settings=PaperSettings(),
        strategy=Plan({}),
        data=market(FLAT),
        clock=clock,
    )
    session.run()
    session.close()
    assert clock.asked == [T0 + k * DAY for k in range(len(FLAT))]


def test_an_illegal_transition_reported_to_the_broker_is_refused(tmp_path):
    # A filled order cannot be canceled or accepted again: whoever reported it is wrong.
    from dataclasses import replace

    from finbot.paper_broker import IllegalTransitionError

    session = PaperSession.open(
        tmp_path,
        config=config(),
        settings=PaperSettings(),
        strategy=Plan({0: [("buy", "AAA", 10)]}),
        data=market(FLAT),
    )
    result = session.run().result
    session.close()
    filled = result.orders[0]
    assert filled.status is OrderStatus.FILLED
    for status, event in ((OrderStatus.CANCELED, "cancel"), (OrderStatus.ACCEPTED, "accept")):
        with pytest.raises(IllegalTransitionError, match=f"filled cannot {event}"):
            session.state.broker.on_order_update(replace(filled, status=status))
