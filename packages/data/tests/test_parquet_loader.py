from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finbot.contracts import ConfigError, DataValidationError, to_ns
from finbot.data import load_files, read_parquet_bars


def _write(path, columns):
    pq.write_table(pa.table(columns), path)
    return path


def _bars(n=3):
    return {
        "open": [10.0 + i for i in range(n)],
        "high": [11.0 + i for i in range(n)],
        "low": [9.0 + i for i in range(n)],
        "close": [10.5 + i for i in range(n)],
        "volume": [100.0] * n,
    }


def test_dates_and_file_name_instrument(tmp_path):
    path = _write(tmp_path / "spy-daily.parquet",
                  {"date": pa.array([date(2020, 1, 2), date(2020, 1, 3)]), **_bars(2)})
    (series,) = read_parquet_bars(path)
    assert series.instrument_id == "SPY"
    assert tuple(series.ts_ns) == (to_ns(date(2020, 1, 2)), to_ns(date(2020, 1, 3)))
    assert tuple(series.open) == (10.0, 11.0)


def test_timestamps_naive_utc_or_zoned(tmp_path):
    stamps = [datetime(2020, 1, 2, 9, 30), datetime(2020, 1, 2, 9, 35)]
    path = _write(tmp_path / "x.parquet", {"ts": pa.array(stamps, pa.timestamp("ns")), **_bars(2)})
    (utc,) = read_parquet_bars(path)
    assert utc.ts_ns[0] == to_ns(datetime(2020, 1, 2, 9, 30, tzinfo=UTC))
    (ny,) = read_parquet_bars(path, timezone="America/New_York")
    assert ny.ts_ns[0] == to_ns(datetime(2020, 1, 2, 14, 30, tzinfo=UTC))
    aware = _write(tmp_path / "y.parquet",
                   {"ts": pa.array(stamps, pa.timestamp("ns", tz="Asia/Tokyo")), **_bars(2)})
    # Stored zone-aware: the stored instant wins over the timezone argument.
    (tokyo,) = read_parquet_bars(aware, timezone="America/New_York")
    assert tokyo.ts_ns == utc.ts_ns


def test_integer_ts_is_utc_nanoseconds(tmp_path):
    path = _write(tmp_path / "x.parquet", {"ts": [1_000, 2_000, 3_000], **_bars()})
    (series,) = read_parquet_bars(path)
    assert tuple(series.ts_ns) == (1_000, 2_000, 3_000)


def test_multi_instrument_long_table(tmp_path):
    columns = {
        "instrument": ["AAA", "BBB", "AAA", "BBB"],
        "ts": [1, 1, 2, 2],
        **_bars(4),
    }
    data = load_files([_write(tmp_path / "long.parquet", columns)])
    assert data.instrument_ids == ("AAA", "BBB")
    assert tuple(data.bars("AAA").open) == (10.0, 12.0)
    assert tuple(data.bars("BBB").ts_ns) == (1, 2)
    with pytest.raises(ConfigError, match="cannot be imposed"):
        read_parquet_bars(tmp_path / "long.parquet", instrument_id="ZZZ")


def test_errors_name_row_of_the_table(tmp_path):
    columns = {"instrument": ["AAA", "BBB", "AAA", "BBB"], "ts": [1, 1, 2, 1], **_bars(4)}
    path = _write(tmp_path / "long.parquet", columns)
    with pytest.raises(DataValidationError) as info:
        read_parquet_bars(path)
    assert (info.value.source, info.value.row, info.value.field) == (str(path), 4, "ts")


def test_null_price_and_missing_column(tmp_path):
    bars = _bars()
    bars["close"] = [10.5, None, 12.5]
    path = _write(tmp_path / "x.parquet", {"ts": [1, 2, 3], **bars})
    with pytest.raises(DataValidationError) as info:
        read_parquet_bars(path)
    assert (info.value.row, info.value.field) == (2, "close")
    del bars["volume"]
    path = _write(tmp_path / "y.parquet", {"ts": [1, 2, 3], **bars})
    with pytest.raises(DataValidationError, match="missing column 'volume'"):
        read_parquet_bars(path)


def test_high_below_low_and_empty_table(tmp_path):
    bars = _bars()
    bars["high"][2] = 1.0
    with pytest.raises(DataValidationError) as info:
        read_parquet_bars(_write(tmp_path / "x.parquet", {"ts": [1, 2, 3], **bars}))
    assert (info.value.row, info.value.field) == (3, "high")
    empty = {k: pa.array([], pa.float64()) for k in _bars()}
    with pytest.raises(DataValidationError, match="no rows"):
        read_parquet_bars(_write(tmp_path / "e.parquet", {"ts": pa.array([], pa.int64()), **empty}))


def test_format_is_sniffed_from_content_not_extension(tmp_path):
    path = _write(tmp_path / "prices.dat", {"ts": [1, 2, 3], **_bars()})
    assert load_files([path]).instrument_ids == ("PRICES",)


def test_missing_and_corrupt_file(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        read_parquet_bars(tmp_path / "none.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(DataValidationError, match="cannot read as Parquet"):
        load_files([bad])
