"""Strategy API additions: timers, declared warm-up, ctx.log, average price and unrealized P&L,
and the save/load state hooks, driven through the simulated broker."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest
from test_sim_broker import DATA, SIM, TS

from finbot.contracts import (
    AccountKind,
    AccountModel,
    Bar,
    DatasetRef,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)
from finbot.contracts.engine import Simulation

DAY = TS[1] - TS[0]
CONFIG = RunConfig(strategy=StrategySpec(id="probe"), dataset=DatasetRef(name="hand-made"))


class Probe(Strategy):
    strategy_id = "probe"

    def __init__(self, warmup: int = 0) -> None:
        super().__init__()
        self.warmup = warmup
        self.calls: list[tuple[str, int]] = []
        self.marks: list[tuple[float | None, float]] = []
        self.counter = 0

    def warmup_steps(self) -> int:
        return self.warmup

    def on_start(self, ctx: StrategyContext) -> None:
        ctx.set_timer("once", TS[1] + 1)  # due between two bars: fires on the next step
        ctx.set_timer("daily", TS[0], every_ns=2 * DAY)

    def on_timer(self, ctx: StrategyContext, name: str) -> None:
        self.calls.append((name, ctx.time_ns))

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.calls.append(("bar", ctx.time_ns))
        self.counter += 1
        if ctx.bar_count("AAA") == 2:
            ctx.buy("AAA", 10)
            ctx.log("bought 10")
        self.marks.append((ctx.average_price("AAA"), ctx.unrealized_pnl("AAA")))

    def on_save_state(self, ctx: StrategyContext) -> Mapping[str, Any]:
        return {"counter": self.counter}

    def on_load_state(self, ctx: StrategyContext, state: Mapping[str, Any]) -> None:
        self.counter = state["counter"]


def test_timers_fire_before_on_bar_and_repeat():
    strategy = Probe()
    Simulation(strategy, CONFIG, DATA).run(SIM)
    assert strategy.calls == [
        ("daily", TS[0]),
        ("bar", TS[0]),
        ("bar", TS[1]),
        ("once", TS[2]),
        ("daily", TS[2]),
        ("bar", TS[2]),
        ("bar", TS[3]),
        ("daily", TS[4]),
        ("bar", TS[4]),
    ]


def test_warmup_steps_skip_on_bar_but_not_the_books():
    strategy = Probe(warmup=3)
    result = Simulation(strategy, CONFIG, DATA).run(SIM)
    assert [c for c in strategy.calls if c[0] == "bar"] == [("bar", TS[3]), ("bar", TS[4])]
    assert len(result.equity_curve.ts_ns) == 5
    assert result.fills == ()  # bar_count was never 2 in a call to on_bar


def test_average_price_and_unrealized_pnl_follow_the_fifo_lots(caplog):
    strategy = Probe()
    with caplog.at_level(logging.INFO, logger="finbot.strategy"):
        simulation = Simulation(strategy, CONFIG, DATA)
        simulation.run(SIM)
    # bought 10 on step 1, filled at the step 2 open 104: close 101 -> -30, then 97, 99
    assert strategy.marks == [
        (None, 0.0),
        (None, 0.0),
        (104.0, -30.0),
        (104.0, -70.0),
        (104.0, -50.0),
    ]
    assert simulation.runner.log_lines == [(TS[1], "bought 10")]
    assert "2024-01-03T00:00:00+00:00 bought 10" in caplog.text


def test_strategy_state_round_trips_through_the_hooks():
    simulation = Simulation(Probe(), CONFIG, DATA)
    simulation.run(SIM)
    state = simulation.runner.strategy_state()
    assert state == {"counter": 5}
    fresh = Simulation(Probe(), CONFIG, DATA)
    fresh.runner.load_strategy_state(state)
    assert fresh.runner.strategy.counter == 5  # type: ignore[attr-defined]


def test_a_timer_period_must_be_positive():
    runner = Simulation(Probe(), CONFIG, DATA).runner
    with pytest.raises(ValueError, match="every_ns must be positive"):
        runner.context.set_timer("x", TS[0], every_ns=0)


def test_a_trailing_stop_tightens_with_the_close_and_never_loosens():
    from contracts_fake_engine import Scripted

    script = {0: [lambda ctx: ctx.trailing_stop("AAA", 10, amount=5.0)]}
    # no position: the stop opens a short, which needs a margin account
    margin = CONFIG.model_copy(update={"account": AccountModel(kind=AccountKind.MARGIN)})
    result = Simulation(Scripted(script), margin, DATA).run(SIM)
    first, second = result.orders
    # close 101 -> stop 96; close 104 -> 99 (the first is canceled at that step); close 101 would
    # ask 96, looser: kept at 99; bar 3 opens at 98, through the stop: filled at the open
    assert (first.request.stop_price, first.status, first.ts_ns) == (96.0, "canceled", TS[1])
    assert (second.request.stop_price, second.status) == (99.0, "filled")
    assert [(f.price, f.ts_ns) for f in result.fills] == [(98.0, TS[3])]


def test_a_trailing_stop_needs_one_positive_distance():
    runner = Simulation(Probe(), CONFIG, DATA).runner
    with pytest.raises(ValueError, match="exactly one of amount or percent"):
        runner.context.trailing_stop("AAA", 1, amount=1.0, percent=1.0)
    with pytest.raises(ValueError, match="no bar of AAA yet"):
        runner.context.trailing_stop("AAA", 1, amount=1.0)
