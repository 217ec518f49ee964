"""The missing-data policy: raise lists the gaps, ffill makes zero-volume bars, drop aligns."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from finbot.contracts import (
    BarSeries,
    DataValidationError,
    Instrument,
    MarketData,
    MissingDataPolicy,
    to_ns,
)
from finbot.data import GOLDEN_MISSING_SESSION, apply_missing_data, load_dataset

# XNYS sessions Mon 2024-02-05 .. Fri 2024-02-16; Mon 2024-02-19 is Presidents' Day.
FULL = [date(2024, 2, d) for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 20)]


def series(iid: str, days: list[date], start: float = 10.0) -> BarSeries:
    closes = [start + i for i in range(len(days))]
    return BarSeries.from_columns(
        iid, [to_ns(d) for d in days], [c - 0.5 for c in closes], [c + 1 for c in closes],
        [c - 1 for c in closes], closes, [100.0] * len(days),
    )


def market(*parts: BarSeries, **kwargs) -> MarketData:
    return MarketData([Instrument(id=s.instrument_id) for s in parts], parts, name="t", **kwargs)


GAPPY = [d for d in FULL if d not in (date(2024, 2, 8), date(2024, 2, 13))]


def test_no_gaps_nothing_touched():
    data = market(series("AAA", FULL))
    out, quality = apply_missing_data(data, MissingDataPolicy.RAISE)
    assert out.bars("AAA") == data.bars("AAA")
    assert (quality.calendar, quality.missing_sessions, quality.bars_touched) == ("XNYS", {}, 0)
    assert out.calendar == "XNYS"


def test_raise_lists_every_gap_by_instrument():
    data = market(series("AAA", FULL), series("BBB", GAPPY))
    with pytest.raises(DataValidationError) as info:
        apply_missing_data(data, MissingDataPolicy.RAISE)
    message = str(info.value)
    assert "2 missing XNYS session(s) in dataset t" in message
    assert "BBB misses 2: 2024-02-08, 2024-02-13" in message
    assert "--missing-data ffill|drop" in message


def test_a_holiday_is_not_a_gap_but_is_on_a_weekday_calendar():
    data = market(series("AAA", FULL))  # no bar on Presidents' Day, as on the exchange
    assert apply_missing_data(data, MissingDataPolicy.RAISE)[1].missing_sessions == {}
    with pytest.raises(DataValidationError, match="AAA misses 1: 2024-02-19"):
        apply_missing_data(data, MissingDataPolicy.RAISE, calendar="24/5")


def test_declared_gaps_are_kept_and_recorded():
    gap = to_ns(date(2024, 2, 8))
    data = market(series("BBB", [d for d in FULL if d != date(2024, 2, 8)]),
                  known_gaps={"BBB": [gap]})
    out, quality = apply_missing_data(data, MissingDataPolicy.RAISE)
    assert len(out.bars("BBB")) == len(FULL) - 1
    assert quality.missing_sessions == quality.known_gaps == {"BBB": (gap,)}
    assert quality.bars_touched == 0


def test_ffill_carries_the_last_close_with_zero_volume():
    data = market(series("AAA", FULL), series("BBB", GAPPY, start=50.0))
    out, quality = apply_missing_data(data, MissingDataPolicy.FFILL)
    bbb = out.bars("BBB")
    assert tuple(bbb.ts_ns) == tuple(to_ns(d) for d in FULL)
    # GAPPY closes: 50 (5th), 51, 52, [8th missing], 53 (9th), 54 (12th), [13th missing], 55 ...
    synthetic = bbb[3]
    assert synthetic.ts_ns == to_ns(date(2024, 2, 8))
    assert synthetic[1:] == (52.0, 52.0, 52.0, 52.0, 0.0)
    assert bbb[6][1:] == (54.0, 54.0, 54.0, 54.0, 0.0)
    assert quality.filled == quality.missing_sessions == {
        "BBB": (to_ns(date(2024, 2, 8)), to_ns(date(2024, 2, 13)))
    }
    assert quality.bars_touched == 2
    assert out.bars("AAA") == data.bars("AAA")


def test_drop_removes_the_session_from_every_instrument():
    data = market(series("AAA", FULL), series("BBB", GAPPY))
    out, quality = apply_missing_data(data, MissingDataPolicy.DROP)
    assert out.bars("AAA").ts_ns == out.bars("BBB").ts_ns
    assert tuple(out.bars("AAA").ts_ns) == tuple(to_ns(d) for d in GAPPY)
    assert quality.dropped == {"AAA": (to_ns(date(2024, 2, 8)), to_ns(date(2024, 2, 13)))}
    assert quality.bars_touched == 2


def test_intraday_missing_sessions_are_whole_sessions():
    # Two five-minute bars on each XNYS session but Wed 2024-02-07 (14:30 UTC open in winter).
    days = [d for d in FULL[:5] if d != date(2024, 2, 7)]
    stamps = [to_ns(datetime(d.year, d.month, d.day, 14, m, tzinfo=UTC))
              for d in days for m in (30, 35)]
    n = len(stamps)
    bars = BarSeries.from_columns("ES", stamps, [10.0] * n, [11.0] * n, [9.0] * n,
                                  [10.0] * n, [5.0] * n)
    data = market(bars)
    with pytest.raises(DataValidationError, match="ES misses 1: 2024-02-07T14:30:00"):
        apply_missing_data(data, MissingDataPolicy.RAISE)
    out, quality = apply_missing_data(data, MissingDataPolicy.FFILL)
    assert quality.filled == {"ES": (to_ns(datetime(2024, 2, 7, 14, 30, tzinfo=UTC)),)}
    assert len(out.bars("ES")) == n + 1


def test_golden_keeps_its_declared_gap_under_raise_and_fills_it_under_ffill():
    golden = load_dataset()
    iid, day = GOLDEN_MISSING_SESSION
    out, quality = apply_missing_data(golden, MissingDataPolicy.RAISE)
    assert quality.calendar == "24/5"
    assert quality.known_gaps == {iid: (to_ns(day),)}
    assert out.bars(iid) == golden.bars(iid)
    filled, quality = apply_missing_data(golden, MissingDataPolicy.FFILL)
    assert quality.filled == {iid: (to_ns(day),)}
    assert len(filled.bars(iid)) == len(golden.bars(iid)) + 1
    dropped, quality = apply_missing_data(golden, MissingDataPolicy.DROP)
    assert set(quality.dropped) == {"ALPHA", "BRAVO", "CHARLIE", "ECHO", "FOXTROT"}
    assert {len(s) for s in dropped} == {len(golden.bars(iid))}
