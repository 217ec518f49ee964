"""Plausibility checks at load: generated bad files name file, row, field and value; overrides."""

from __future__ import annotations

import re
from datetime import date

import pytest

from finbot.contracts import DataCheck, DatasetRef, DataValidationError, to_ns
from finbot.data import LocalDataSource, load_dataset

NOW = to_ns(date(2026, 1, 1))
# Ten XNYS sessions: Mon 2024-02-05 .. Fri 2024-02-16 (no holiday in between).
SESSIONS = [date(2024, 2, d) for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)]


def csv_text(days=SESSIONS, closes=None, opens=None, volume="1000") -> str:
    closes = closes or [100.0 + i for i in range(len(days))]
    opens = opens or [c - 0.5 for c in closes]
    lines = ["Date,Open,High,Low,Close,Volume,OpenInterest"]
    for day, o, c in zip(days, opens, closes, strict=True):
        lines.append(f"{day},{o},{max(o, c) * 1.01},{min(o, c) * 0.99},{c},{volume},0")
    return "\n".join(lines) + "\n"


def load(path, **ref):
    return LocalDataSource(now_ns=NOW).load(DatasetRef(name="t", paths=(str(path),), **ref))


def reject(path, *fragments, **ref) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load(path, **ref)
    message = str(info.value)
    for fragment in (str(path), *fragments):
        assert fragment in message, (fragment, message)
    return info.value


def test_clean_file_loads_and_carries_its_calendar(write_file):
    data = load(write_file("aaa.csv", csv_text()))
    assert data.calendar == "XNYS"
    assert len(data.bars("AAA")) == 10


def test_a_saturday_is_not_a_session(write_file):
    days = [*SESSIONS[:5], date(2024, 2, 10), *SESSIONS[6:]]  # Sat 10 Feb instead of Mon 12
    path = write_file("aaa.csv", csv_text(days))
    err = reject(path, "row 7", "field 'Date'", "2024-02-10 (Saturday) is not a XNYS session",
                 "--allow off-session")
    assert (err.row, err.field) == (7, "Date")
    assert len(load(path, allow=(DataCheck.OFF_SESSION,)).bars("AAA")) == 10


def test_christmas_is_not_a_session_but_is_on_a_weekday_calendar(write_file):
    days = [date(2023, 12, d) for d in (20, 21, 22, 25, 26, 27)]
    path = write_file("aaa.csv", csv_text(days))
    reject(path, "row 5", "2023-12-25 (Monday) is not a XNYS session")
    assert len(load(path, calendar="24/5").bars("AAA")) == 6


def test_intraday_bars_outside_the_open_close_are_reported(write_file):
    lines = ["Date,Time,Open,High,Low,Close,Volume,OpenInterest"]
    for t in ("14:30:00", "14:35:00", "21:00:00"):  # NYSE closes at 21:00 UTC in February
        lines.append(f"2024-02-05,{t},10,11,9,10,5,0")
    path = write_file("es.csv", "\n".join(lines) + "\n")
    reject(path, "row 4", "2024-02-05T21:00:00+00:00 is outside the XNYS sessions' open..close")


def test_a_date_in_the_future(write_file):
    path = write_file("aaa.csv", csv_text([*SESSIONS[:9], date(2200, 1, 2)]))
    reject(path, "row 11", "2200-01-02T00:00:00+00:00 is in the future", "--allow future-dates")
    data = load(path, allow=(DataCheck.FUTURE_DATES, DataCheck.OFF_SESSION))
    assert len(data.bars("AAA")) == 10


@pytest.mark.parametrize(
    ("row", "what"),
    [
        ("2024-02-09,103.5,1e308,102.5,104.0,1000,0", "'High': high is 1e+308, too large"),
        ("2024-02-09,103.5,105.0,102.5,inf,1000,0", "'Close': close is inf, not a finite"),
        ("2024-02-09,103.5,105.0,102.5,104.0,1e300,0", "'Volume': volume is 1e+300, too large"),
    ],
)
def test_huge_or_infinite_values_never_load(write_file, row, what):
    lines = csv_text().splitlines()
    lines[5] = row  # line 6 of the file
    path = write_file("aaa.csv", "\n".join(lines) + "\n")
    # Hard rules: no override reaches them.
    with pytest.raises(DataValidationError, match=re.escape(what)) as info:
        load(path, allow=tuple(DataCheck))
    assert info.value.row == 6


@pytest.mark.parametrize(("ratio", "label"), [(100, "100:1 split"), (2, "2:1 split"),
                                              (3, "3:1 split"), (10, "10:1 split")])
def test_an_unadjusted_split_is_reported(write_file, ratio, label):
    closes = [100.0] * 5 + [100.0 / ratio] * 5
    opens = [99.8] * 5 + [100.0 / ratio] * 5
    path = write_file("aaa.csv", csv_text(closes=closes, opens=opens))
    reject(path, "row 7", "field 'Open'", f"looks like an unadjusted {label}",
           "--allow split-jumps")
    assert len(load(path, allow=(DataCheck.SPLIT_JUMPS,)).bars("AAA")) == 10


def test_a_reverse_split_is_reported(write_file):
    closes = [1.0] * 5 + [10.0] * 5
    path = write_file("aaa.csv", csv_text(closes=closes, opens=list(closes)))
    reject(path, "row 7", "1:10 reverse split")


def test_an_ordinary_gap_is_not_a_split(write_file):
    closes = [100.0] * 5 + [80.0] * 5  # a 20% gap down
    load(write_file("aaa.csv", csv_text(closes=closes, opens=list(closes))))


def test_an_extreme_outlier_is_reported(write_file):
    closes = [100.0 + i for i in range(10)]
    closes[6] = 10_600.0  # a fat finger: 100x
    opens = [c - 0.5 for c in closes]
    opens[6] = 105.5
    path = write_file("aaa.csv", csv_text(closes=closes, opens=opens))
    reject(path, "row 8", "field 'High'", "high 10706", "extreme outlier", "--allow outliers")
    # The spike's next bar gaps back 100:1, which the split check reports in turn.
    reject(path, "row 9", "looks like an unadjusted 100:1 split", allow=(DataCheck.OUTLIERS,))
    load(path, allow=(DataCheck.OUTLIERS, DataCheck.SPLIT_JUMPS))


def test_the_golden_datasets_declared_split_and_dividend_are_not_flagged():
    data = load_dataset()  # raw BRAVO halves on its ex-date: declared, so expected
    assert data.calendar == "24/5"


def test_the_real_samples_pass_on_their_exchanges(samples):
    for name in ("orcl-1995-2014.txt", "nvda-1999-2014.txt", "yhoo-1996-2014.txt"):
        assert load(samples / name).calendar == "XNYS"
    # Euro Stoxx 50 bars: not NYSE sessions; Eurex's calendar fits both files.
    reject(samples / "2006-day-001.txt", "is not a XNYS session")
    for name in ("2006-day-001.txt", "2006-min-005.txt"):
        assert load(samples / name, calendar="XEUR").calendar == "XEUR"
