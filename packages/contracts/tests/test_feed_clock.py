"""The runner's parts on their own: the bar feed (replay and stream) and the clock port."""

from __future__ import annotations

import pytest
from contracts_fake_engine import Scripted

from finbot.contracts import (
    Bar,
    DatasetRef,
    EngineInfo,
    EngineRunError,
    Instrument,
    OrderStatus,
    RunConfig,
    StrategySpec,
)
from finbot.contracts.engine import BarFeed, ReplayClock, Simulation, WallClock

S = 1_000_000_000
T0 = 1_704_153_600 * S  # 2024-01-02


def bar(ts: int, close: float = 10.0) -> Bar:
    return Bar(ts, close, close + 1, close - 1, close, 1_000.0)


def test_a_stream_feed_takes_steps_in_order_and_refuses_bad_bars():
    feed = BarFeed.stream(["AAA", "BBB"])
    assert feed.push(T0, {"AAA": bar(T0)}) == {"AAA": bar(T0)}
    assert feed.push(T0 + S, {"AAA": bar(T0 + S, 11.0), "BBB": bar(T0 + S, 20.0)})
    assert (feed.bar_count("AAA"), feed.bar_count("BBB"), feed.last_step) == (2, 1, False)
    assert list(feed.history("AAA")) == [10.0, 11.0] and feed.bar("BBB") == bar(T0 + S, 20.0)
    with pytest.raises(EngineRunError, match="is not after the previous one"):
        feed.push(T0 + S, {"AAA": bar(T0 + S)})
    with pytest.raises(EngineRunError, match="not the step"):
        feed.push(T0 + 2 * S, {"AAA": bar(T0)})
    with pytest.raises(EngineRunError, match="'ZZZ', which this run does not trade"):
        feed.push(T0 + 3 * S, {"ZZZ": bar(T0 + 3 * S)})
    with pytest.raises(EngineRunError, match="a pushed step"):
        feed.advance(T0 + 4 * S)


def test_a_streamed_run_routes_the_last_steps_orders_then_cancels_them_at_the_end():
    config = RunConfig(strategy=StrategySpec(id="scripted"), dataset=DatasetRef(name="live"))
    strategy = Scripted({0: [lambda ctx: ctx.buy("AAA", 1)], 2: [lambda ctx: ctx.buy("AAA", 1)]})
    sim = Simulation(strategy, config, instruments=[Instrument(id="AAA")])
    sim.start()
    for k in range(3):
        sim.push(T0 + k * S, {"AAA": bar(T0 + k * S, 10.0 + k)})
    result = sim.finish(EngineInfo(name="sim", version="1", adapter="t", adapter_version="1"))
    first, last = result.orders
    assert (first.status, result.fills[0].price) == (OrderStatus.FILLED, 11.0)
    assert (last.status, last.reason) == (OrderStatus.CANCELED, "end of data")
    assert len(result.data_snapshot_id) == 64


class FakeTime:
    def __init__(self, now: int) -> None:
        self.now = now
        self.slept: list[float] = []

    def time_ns(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += round(seconds * 1e9)


def test_a_paced_wall_clock_takes_data_time_at_speed_times_real_time():
    t = FakeTime(now=5 * S)
    clock = WallClock(speed=60.0, sleep=t.sleep, time_ns=t.time_ns)
    clock.wait_until(T0)  # the first step anchors data time to now
    clock.wait_until(T0 + 60 * S)  # a minute of data later: one second later
    clock.wait_until(T0 + 90 * S)
    assert t.slept == [1.0, 0.5]
    assert clock.now_ns() == 6_500_000_000


def test_a_live_wall_clock_waits_for_the_stamp_and_a_replay_clock_never_waits():
    t = FakeTime(now=T0 - 2 * S)
    WallClock(sleep=t.sleep, time_ns=t.time_ns).wait_until(T0)
    assert t.slept == [2.0]
    replay = ReplayClock()
    replay.wait_until(T0)
    assert replay.now_ns() == T0
    with pytest.raises(ValueError, match="speed must be positive"):
        WallClock(speed=0.0)
