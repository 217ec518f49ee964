from paper_support import DAY, T0

from finbot.contracts import Bar, BarSeries, Instrument, MarketData
from finbot.paper_broker import ReplayFeed


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
