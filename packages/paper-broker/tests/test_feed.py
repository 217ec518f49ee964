from paper_support import DAY, T0

from finbot.contracts import Bar, BarSeries, Instrument, MarketData
from finbot.paper_broker import Pacer, ReplayFeed


def _two_instruments() -> MarketData:
    # BBB misses the second instant
    a = [Bar(T0 + i * DAY, 1.0 + i, 2.0 + i, 0.5, 1.5 + i, 10.0) for i in range(3)]
    b = [Bar(T0 + i * DAY, 5.0, 6.0, 4.0, 5.5, 20.0) for i in (0, 2)]
    return MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")],
        [BarSeries.from_bars("AAA", a), BarSeries.from_bars("BBB", b)],
    )


def test_replay_steps_through_every_instant_with_the_bars_stamped_there():
    steps = list(ReplayFeed(_two_instruments()).steps())
    assert [ts for ts, _ in steps] == [T0, T0 + DAY, T0 + 2 * DAY]
    assert [sorted(bars) for _, bars in steps] == [["AAA", "BBB"], ["AAA"], ["AAA", "BBB"]]
    assert steps[1][1]["AAA"].open == 2.0


def test_replay_resumes_after_an_instant():
    steps = list(ReplayFeed(_two_instruments()).steps(after_ns=T0 + DAY))
    assert [(ts, sorted(bars)) for ts, bars in steps] == [(T0 + 2 * DAY, ["AAA", "BBB"])]
    assert steps[0][1]["BBB"].close == 5.5


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_lets_session_time_pass_speed_times_faster_than_wall_time():
    clock = FakeClock()
    pacer = Pacer(86_400.0, clock=clock, sleep=clock.sleep)  # a day of bars a second
    pacer.wait(T0)
    pacer.wait(T0 + DAY)  # due 1 s after the first
    clock.now += 0.25  # the step itself took a quarter second
    pacer.wait(T0 + 3 * DAY)  # due 3 s after the first: 1.75 s left
    assert clock.slept == [1.0, 1.75]


def test_pacer_without_speed_never_waits():
    clock = FakeClock()
    pacer = Pacer(None, clock=clock, sleep=clock.sleep)
    for k in range(3):
        pacer.wait(T0 + k * DAY)
    assert clock.slept == []
