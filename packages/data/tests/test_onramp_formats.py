"""Bar files as people have them: yfinance CSVs, ``;`` delimiters, ``.csv.gz``, pandas Parquet.

Every variant of the same three bars must load to the same series as the plain Yahoo CSV.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from finbot.contracts import BarSeries, DataValidationError, to_ns
from finbot.data import load_files, read_csv_bars

PLAIN = (
    "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-01-02,10.0,11.0,9.5,10.5,10.5,1000\n"
    "2024-01-03,10.5,12.0,10.0,11.5,11.5,1200\n"
    "2024-01-04,11.5,11.8,10.9,11.0,11.0,900\n"
)
# yfinance >= 0.2.51: download(...).to_csv() writes the columns' two levels, then the index name.
YFINANCE_DAILY = (
    "Price,Close,High,Low,Open,Volume\n"
    "Ticker,AAA,AAA,AAA,AAA,AAA\n"
    "Date,,,,,\n"
    "2024-01-02,10.5,11.0,9.5,10.0,1000\n"
    "2024-01-03,11.5,12.0,10.0,10.5,1200\n"
    "2024-01-04,11.0,11.8,10.9,11.5,900\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _reference(tmp_path: Path) -> BarSeries:
    folder = tmp_path / "ref"
    folder.mkdir(exist_ok=True)
    return read_csv_bars(_write(folder, "aaa.csv", PLAIN))


def test_yfinance_daily_csv_loads_like_the_plain_one(tmp_path: Path) -> None:
    ref = _reference(tmp_path)
    got = read_csv_bars(_write(tmp_path, "aaa.csv", YFINANCE_DAILY))
    assert got == ref


def test_yfinance_daily_stamps_with_an_offset_are_their_session_dates(tmp_path: Path) -> None:
    text = YFINANCE_DAILY
    for day in ("2024-01-02", "2024-01-03", "2024-01-04"):
        text = text.replace(f"{day},", f"{day} 00:00:00-05:00,")
    got = read_csv_bars(_write(tmp_path, "aaa.csv", text))
    assert got == _reference(tmp_path)


def test_yfinance_intraday_datetime_column_with_offsets(tmp_path: Path) -> None:
    text = (
        "Price,Close,High,Low,Open,Volume\n"
        "Ticker,AAA,AAA,AAA,AAA,AAA\n"
        "Datetime,,,,,\n"
        "2024-01-02 09:30:00-05:00,10.5,11.0,9.5,10.0,1000\n"
        "2024-01-02 09:35:00-05:00,11.5,12.0,10.0,10.5,1200\n"
    )
    got = read_csv_bars(_write(tmp_path, "aaa.csv", text))
    assert list(got.ts_ns) == [
        to_ns(datetime(2024, 1, 2, 14, 30, tzinfo=UTC)),
        to_ns(datetime(2024, 1, 2, 14, 35, tzinfo=UTC)),
    ]
    assert list(got.close) == [10.5, 11.5]


def test_yfinance_error_lines_are_the_files_own(tmp_path: Path) -> None:
    bad = YFINANCE_DAILY.replace("2024-01-03,11.5,12.0", "2024-01-03,11.5,9.0")  # high < close
    with pytest.raises(DataValidationError) as err:
        read_csv_bars(_write(tmp_path, "aaa.csv", bad))
    assert "row 5" in str(err.value)  # the header, Ticker and Date lines are 1-3


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(tmp_path: Path, delimiter: str) -> None:
    got = read_csv_bars(_write(tmp_path, "aaa.csv", PLAIN.replace(",", delimiter)))
    assert got == _reference(tmp_path)


def test_gzip_compressed_csv(tmp_path: Path) -> None:
    path = tmp_path / "aaa.csv.gz"
    path.write_bytes(gzip.compress(PLAIN.encode()))
    data = load_files([path])
    assert data.instrument_ids == ("AAA",)
    assert data.bars("AAA") == _reference(tmp_path)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "aaa.csv.gz"
    path.write_bytes(gzip.compress(PLAIN.encode())[:20])
    with pytest.raises(DataValidationError, match="gzip"):
        load_files([path])


def test_parquet_written_by_pandas_with_a_datetime_index(tmp_path: Path) -> None:
    frame = pd.read_csv(_write(tmp_path, "src.csv", PLAIN), index_col="Date", parse_dates=True)
    path = tmp_path / "aaa.parquet"
    frame.to_parquet(path)  # the DatetimeIndex "Date" is stored as the index, not a column
    data = load_files([path])
    assert data.bars("AAA") == _reference(tmp_path)
