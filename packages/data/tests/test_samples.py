"""The loaders on the real Backtrader sample files (read-only, shared with the project)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from finbot.contracts import session_date, to_ns
from finbot.data import load_files, read_csv_bars


def test_yahoo_samples(samples):
    data = load_files(
        [samples / "orcl-1995-2014.txt", samples / "nvda-1999-2014.txt",
         samples / "yhoo-1996-2014.txt"],
        name="tech",
    )
    assert data.instrument_ids == ("ORCL", "NVDA", "YHOO")
    assert [len(s) for s in data] == [5036, 4012, 4713]  # line count minus the header
    orcl = data.bars("ORCL")
    assert session_date(orcl.ts_ns[0]) == date(1995, 1, 3)
    assert orcl[0][1:] == (2.179012, 2.191358, 2.117284, 2.117284, 36301200.0)
    assert session_date(orcl.ts_ns[-1]) == date(2014, 12, 31)
    assert orcl.close[-1] == 44.970001


def test_yahoo_adj_close(samples):
    orcl = read_csv_bars(samples / "orcl-1995-2014.txt", use_adj_close=True)
    assert orcl.close[0] == 1.883304
    assert orcl.open[0] == 2.179012 * (1.883304 / 2.117284)


def test_backtrader_daily_and_intraday(samples):
    daily = read_csv_bars(samples / "2006-day-001.txt")
    assert daily.instrument_id == "2006"
    assert len(daily) == 255
    assert daily[0][1:5] == (3578.73, 3605.95, 3578.73, 3604.33)
    intraday = read_csv_bars(samples / "2006-min-005.txt", instrument_id="ES")
    assert len(intraday) == 2142
    assert intraday.ts_ns[0] == to_ns(datetime(2006, 1, 2, 9, 5, tzinfo=UTC))
    assert intraday.ts_ns[1] - intraday.ts_ns[0] == 5 * 60 * 10**9
