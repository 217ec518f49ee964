from __future__ import annotations

from datetime import UTC, datetime

import pytest

from finbot.contracts import DataValidationError, to_ns
from finbot.data import load_files, read_csv_bars

YAHOO_HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
GOOD = YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5.25,100\n2020-01-03,10.5,12,10,11,5.5,200\n"


def _error(path, **kwargs) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        read_csv_bars(path, **kwargs)
    return info.value


def test_yahoo_csv_loads_raw_prices_at_midnight_utc(write_file):
    series = read_csv_bars(write_file("abc-2020-2021.csv", GOOD))
    assert series.instrument_id == "ABC"
    assert tuple(series.ts_ns) == (to_ns(datetime(2020, 1, 2, tzinfo=UTC)),
                            to_ns(datetime(2020, 1, 3, tzinfo=UTC)))
    assert tuple(series.close) == (10.5, 11.0)
    assert tuple(series.volume) == (100.0, 200.0)


def test_adj_close_scales_prices_but_not_volume(write_file):
    series = read_csv_bars(write_file("abc.csv", GOOD), use_adj_close=True)
    # Adj Close / Close is 0.5 on both rows.
    assert tuple(series.open) == (5.0, 5.25)
    assert tuple(series.high) == (5.5, 6.0)
    assert tuple(series.low) == (4.5, 5.0)
    assert tuple(series.close) == (5.25, 5.5)
    assert tuple(series.volume) == (100.0, 200.0)


def test_instrument_id_override(write_file):
    assert read_csv_bars(write_file("abc.csv", GOOD), instrument_id="XYZ").instrument_id == "XYZ"


def test_unparseable_number_names_line_and_column(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n"
                                 "2020-01-03,ten,12,10,11,5,2\n")
    err = _error(path)
    assert (err.source, err.row, err.field) == (str(path), 3, "Open")
    assert str(err).startswith(f"{path}, row 3, field 'Open': ")
    assert "'ten' is not a number" in str(err)


def test_unparseable_date(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n"
                                 "2020-13-45,10,12,10,11,5,2\n")
    err = _error(path)
    assert (err.row, err.field) == (3, "Date")
    assert "'2020-13-45' is not a date" in str(err)


def test_missing_column_names_header_line(write_file):
    path = write_file("abc.csv", "Date,Open,High,Low,Adj Close,Volume\n2020-01-02,1,1,1,1,1\n")
    err = _error(path)
    assert (err.source, err.row, err.field) == (str(path), 1, "Close")
    assert "missing column 'Close'" in str(err)


def test_short_row_reports_missing_value(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n2020-01-03,10,12\n")
    err = _error(path)
    assert (err.row, err.field) == (3, "Low")
    assert "missing" in err.reason


def test_row_with_too_many_fields(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n"
                                 "2020-01-03,10,12,9,11,5,2,99\n")
    err = _error(path)
    assert (err.source, err.row) == (str(path), 3)


def test_nan_value(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,NaN,5,1\n")
    err = _error(path)
    assert (err.row, err.field) == (2, "Close")
    assert "'NaN' is not a number" in str(err)


def test_high_below_low(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n"
                                 "2020-01-03,10,9,11,10,5,2\n")
    err = _error(path)
    assert (err.source, err.row, err.field) == (str(path), 3, "High")
    assert "below low" in err.reason


def test_duplicate_timestamp(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n"
                                 "2020-01-03,10,11,9,10.5,5,1\n2020-01-03,10,11,9,10.5,5,1\n")
    err = _error(path)
    assert (err.row, err.field) == (4, "Date")
    assert "duplicates" in err.reason


def test_unsorted_timestamp(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-03,10,11,9,10.5,5,1\n"
                                 "2020-01-02,10,11,9,10.5,5,1\n")
    err = _error(path)
    assert (err.row, err.field) == (3, "Date")
    assert "earlier than" in err.reason


def test_blank_lines_do_not_shift_line_numbers(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,5,1\n\n"
                                 "2020-01-03,-1,11,9,10.5,5,1\n\n")
    err = _error(path)
    assert (err.row, err.field) == (4, "Open")


def test_empty_file(write_file):
    path = write_file("abc.csv", "")
    err = _error(path)
    assert err.source == str(path)
    assert "empty" in err.reason


def test_header_only_file(write_file):
    err = _error(write_file("abc.csv", YAHOO_HEADER))
    assert "no data rows" in err.reason


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    err = _error(path)
    assert err.source == str(path)
    assert "file not found" in str(err)


def test_bad_adj_close_only_checked_when_used(write_file):
    path = write_file("abc.csv", YAHOO_HEADER + "2020-01-02,10,11,9,10.5,0,1\n")
    assert len(read_csv_bars(path)) == 1
    err = _error(path, use_adj_close=True)
    assert (err.row, err.field) == (2, "Adj Close")


def test_adj_close_requested_without_column(write_file):
    path = write_file("abc.csv", "Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,1\n")
    err = _error(path, use_adj_close=True)
    assert err.field == "Adj Close"


def test_intraday_times_are_utc_unless_a_timezone_is_given(write_file):
    text = ("Date,Time,Open,High,Low,Close,Volume,OpenInterest\n"
            "2006-01-02,09:05:00,10,11,9,10,0,0\n2006-07-03,09:10:00,10,11,9,10,0,0\n")
    path = write_file("es-min.txt", text)
    utc = read_csv_bars(path)
    assert utc.ts_ns[0] == to_ns(datetime(2006, 1, 2, 9, 5, tzinfo=UTC))
    new_york = read_csv_bars(path, timezone="America/New_York")
    assert new_york.ts_ns[0] == to_ns(datetime(2006, 1, 2, 14, 5, tzinfo=UTC))  # EST = UTC-5
    assert new_york.ts_ns[1] == to_ns(datetime(2006, 7, 3, 13, 10, tzinfo=UTC))  # EDT = UTC-4


def test_intraday_bad_time(write_file):
    text = ("Date,Time,Open,High,Low,Close,Volume,OpenInterest\n"
            "2006-01-02,09:05:00,10,11,9,10,0,0\n2006-01-02,9h10,10,11,9,10,0,0\n")
    with pytest.raises(DataValidationError) as info:
        read_csv_bars(write_file("es.txt", text))
    assert (info.value.row, info.value.field) == (3, "Time")


def test_nonexistent_local_time_is_reported(write_file):
    text = ("Date,Time,Open,High,Low,Close,Volume,OpenInterest\n"
            "2006-04-02,02:30:00,10,11,9,10,0,0\n")  # spring-forward gap in New York
    with pytest.raises(DataValidationError) as info:
        read_csv_bars(write_file("es.txt", text), timezone="America/New_York")
    assert (info.value.row, info.value.field) == (2, "Time")


def test_invalid_instrument_id_from_file_name(write_file):
    with pytest.raises(DataValidationError, match="not a valid instrument id"):
        read_csv_bars(write_file("my data.csv", GOOD))


def test_load_files_builds_market_data_and_refuses_duplicate_instruments(write_file):
    a = write_file("aaa-1.csv", GOOD)
    b = write_file("bbb.csv", GOOD)
    data = load_files([a, b], name="pair")
    assert data.name == "pair"
    assert data.instrument_ids == ("AAA", "BBB")
    with pytest.raises(DataValidationError, match="AAA is also in"):
        load_files([a, write_file("aaa-2.csv", GOOD)])
    renamed = load_files([a, write_file("aaa-2.csv", GOOD)], instrument_ids=[None, "CCC"])
    assert renamed.instrument_ids == ("AAA", "CCC")
