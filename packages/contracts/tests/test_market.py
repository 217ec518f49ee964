"""BarSeries validation, slicing, MarketData and the data snapshot id."""

from __future__ import annotations

import hashlib
import math
import struct
from datetime import date

import pytest

from finbot.contracts import (
    Bar,
    BarSeries,
    CashDividend,
    DataValidationError,
    Instrument,
    MarketData,
    Split,
    to_ns,
)

DAY = 86_400 * 10**9
T0 = to_ns(date(2024, 1, 2))


def good_columns(n: int = 4) -> dict[str, list[float] | list[int]]:
    return {
        "ts_ns": [T0 + i * DAY for i in range(n)],
        "open": [10.0 + i for i in range(n)],
        "high": [11.0 + i for i in range(n)],
        "low": [9.0 + i for i in range(n)],
        "close": [10.5 + i for i in range(n)],
        "volume": [1000.0] * n,
    }


def build(columns: dict[str, list[float] | list[int]], **kwargs: object) -> BarSeries:
    return BarSeries.from_columns("AAA", **columns, **kwargs)  # type: ignore[arg-type]


def test_valid_columns_build_an_immutable_series() -> None:
    series = build(good_columns())
    assert len(series) == 4
    assert series[1] == Bar(T0 + DAY, 11.0, 12.0, 10.0, 11.5, 1000.0)
    assert list(series)[3].close == 13.5
    with pytest.raises(AttributeError):
        series.close = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        BarSeries()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("open", math.nan, "not a finite number"),
        ("high", math.inf, "not a finite number"),
        ("close", -math.inf, "not a finite number"),
        ("low", 0.0, "prices must be positive"),
        ("close", -1.0, "prices must be positive"),
        ("volume", -1.0, ">= 0"),
        ("volume", math.nan, ">= 0"),
    ],
)
def test_bad_values_name_source_row_and_field(field: str, value: float, reason: str) -> None:
    columns = good_columns()
    columns[field][2] = value  # type: ignore[index]
    with pytest.raises(DataValidationError) as info:
        build(columns, source="prices.csv")
    err = info.value
    assert (err.source, err.row, err.field) == ("prices.csv", 3, field)
    assert reason in str(err)
    assert str(err).startswith(f"prices.csv, row 3, field '{field}': ")


@pytest.mark.parametrize(
    ("bar", "field", "reason"),
    [
        # high below low (and below open/close): the high<low rule is reported first
        ((10.0, 9.0, 9.5, 9.2), "high", "below low"),
        ((10.0, 9.9, 9.0, 9.5), "high", "below max(open, close) = 10.0"),
        ((9.0, 10.0, 8.0, 10.5), "high", "below max(open, close) = 10.5"),
        ((10.0, 11.0, 10.2, 10.5), "low", "above min(open, close) = 10.0"),
        ((10.5, 11.0, 10.2, 10.0), "low", "above min(open, close) = 10.0"),
    ],
)
def test_ohlc_consistency(bar: tuple[float, float, float, float], field: str, reason: str) -> None:
    columns = good_columns()
    for name, value in zip(("open", "high", "low", "close"), bar, strict=True):
        columns[name][1] = value
    with pytest.raises(DataValidationError) as info:
        build(columns, source="f.csv")
    assert (info.value.row, info.value.field) == (2, field)
    assert reason in info.value.reason


def test_row_numbers_map_positions_to_file_rows() -> None:
    columns = good_columns()
    columns["volume"][3] = -5.0
    with pytest.raises(DataValidationError) as info:
        build(columns, source="f.csv", row_numbers=[10, 11, 13, 14])
    assert info.value.row == 14


def test_label_defaults_to_instrument_id() -> None:
    columns = good_columns()
    columns["open"][0] = 0.0
    with pytest.raises(DataValidationError) as info:
        build(columns)
    assert info.value.source == "AAA"


def test_duplicate_timestamp() -> None:
    columns = good_columns()
    columns["ts_ns"][2] = columns["ts_ns"][1]
    with pytest.raises(DataValidationError) as info:
        build(columns, source="f.csv")
    assert (info.value.row, info.value.field) == (3, "timestamp")
    assert "duplicates" in info.value.reason


def test_unsorted_timestamps() -> None:
    columns = good_columns()
    columns["ts_ns"][2], columns["ts_ns"][3] = columns["ts_ns"][3], columns["ts_ns"][2]
    with pytest.raises(DataValidationError) as info:
        build(columns, source="f.csv")
    assert (info.value.row, info.value.field) == (4, "timestamp")
    assert "is earlier than" in info.value.reason
    assert "strictly increase" in info.value.reason


def test_columns_of_different_lengths() -> None:
    columns = good_columns()
    columns["close"] = columns["close"][:-1]
    with pytest.raises(DataValidationError, match=r"different lengths \[3, 4\]"):
        build(columns, source="f.csv")


def test_from_bars_equals_from_columns() -> None:
    series = build(good_columns())
    assert BarSeries.from_bars("AAA", list(series)) == series
    assert hash(BarSeries.from_bars("AAA", list(series))) == hash(series)


def test_between_is_inclusive_and_open_ended() -> None:
    series = build(good_columns(5))
    window = series.between(T0 + DAY, T0 + 3 * DAY)
    assert tuple(window.ts_ns) == (T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY)
    assert tuple(series.between(None, T0 + DAY).ts_ns) == (T0, T0 + DAY)
    assert tuple(series.between(T0 + 4 * DAY, None).close) == (14.5,)
    assert len(series.between(T0 + 10 * DAY, None)) == 0
    assert series.between(None, None) == series


def market(order: tuple[str, ...] = ("AAA", "BBB"), name: str = "demo") -> MarketData:
    series = {
        "AAA": build(good_columns(5)),
        "BBB": BarSeries.from_columns("BBB", **good_columns(3)),  # type: ignore[arg-type]
    }
    return MarketData(
        [Instrument(id=iid) for iid in order],
        [series[iid] for iid in order],
        [CashDividend(instrument_id="BBB", ex_date=date(2024, 1, 3), amount=0.5)],
        name=name,
    )


def test_market_data_between_uses_utc_session_dates() -> None:
    data = market()
    sliced = data.between(date(2024, 1, 3), date(2024, 1, 5))
    assert tuple(sliced.bars("AAA").ts_ns) == (T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY)
    assert tuple(sliced.bars("BBB").ts_ns) == (T0 + DAY, T0 + 2 * DAY)
    assert sliced.bar_count == 5
    assert sliced.name == "demo"
    assert sliced.corporate_actions == data.corporate_actions
    # an intraday bar late on the end date is inside the range
    late = BarSeries.from_columns(
        "AAA",
        [T0 + DAY - 1],
        [1.0],
        [1.0],
        [1.0],
        [1.0],
        [0.0],
    )
    one = MarketData([Instrument(id="AAA")], [late])
    assert len(one.between(date(2024, 1, 2), date(2024, 1, 2)).bars("AAA")) == 1


def test_snapshot_id_is_stable_and_content_addressed() -> None:
    reference = market()
    # the digest of fixed content, frozen so an accidental change to the canonical form shows up
    # (binary form since result schema 2; the text form gave 518d0b6b...)
    assert reference.snapshot_id() == (
        "0032cbfe256ffbf0b315a124daf000768bbb253ded76defb472ee6906b614134"
    )
    # the text form before result schema 2, kept to verify data recorded then
    assert reference.legacy_snapshot_id() == (
        "518d0b6b4e9fb4262733afd01020c3ea1e8eb11b1f8aeb6e87dcb77a27e5822e"
    )
    # independent of instrument order and of the dataset's label
    assert market(("BBB", "AAA"), name="other").snapshot_id() == reference.snapshot_id()
    # any change of content changes it
    columns = good_columns(5)
    columns["close"][4] = 14.51
    changed = MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")],
        [build(columns), reference.bars("BBB")],
        reference.corporate_actions,
    )
    assert changed.snapshot_id() != reference.snapshot_id()
    no_dividend = MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")], [reference.bars("AAA"), reference.bars("BBB")]
    )
    assert no_dividend.snapshot_id() != reference.snapshot_id()


def test_canonical_bytes_hold_every_value_in_binary() -> None:
    series = BarSeries.from_columns("AAA", [T0], [10.0], [11.0], [9.5], [10.25], [300.0])
    split = Split(instrument_id="AAA", ex_date=date(2024, 1, 2), ratio=2)
    data = MarketData([Instrument(id="AAA")], [series], [split])
    # Written out independently of the implementation: struct packs little-endian int64/float64.
    expected = b"".join(
        [
            b"finbot-market-data/2\n",
            b'{"id":"AAA","currency":"USD","asset_class":"equity","price_increment":0.01,'
            b'"lot_size":1.0}\n',
            struct.pack("<q", 1),
            struct.pack("<q", 1704153600000000000),
            struct.pack("<5d", 10.0, 11.0, 9.5, 10.25, 300.0),
            b'{"kind":"split","instrument_id":"AAA","ex_date":"2024-01-02","ratio":2.0}\n',
        ]
    )
    assert data.canonical_bytes() == expected
    assert data.snapshot_id() == hashlib.sha256(data.canonical_bytes()).hexdigest()


def test_market_data_refuses_mismatched_or_repeated_instruments() -> None:
    series = build(good_columns())
    with pytest.raises(DataValidationError, match="do not match: BBB") as info:
        MarketData([Instrument(id="AAA"), Instrument(id="BBB")], [series], name="set")
    assert info.value.source == "set"
    with pytest.raises(DataValidationError, match="more than one bar series for AAA"):
        MarketData([Instrument(id="AAA")], [series, series])
    with pytest.raises(DataValidationError, match="more than one instrument for AAA"):
        MarketData([Instrument(id="AAA"), Instrument(id="AAA")], [series])
    with pytest.raises(DataValidationError, match="unknown instruments: ZZZ"):
        MarketData(
            [Instrument(id="AAA")],
            [series],
            [CashDividend(instrument_id="ZZZ", ex_date=date(2024, 1, 3), amount=1.0)],
        )


def test_columns_are_packed_read_only_and_pickle() -> None:
    import pickle
    from array import array

    series = build(good_columns(5))
    assert (series.ts_ns.format, series.close.format, series.close.itemsize) == ("q", "d", 8)
    with pytest.raises(TypeError):
        series.close[0] = 1.0  # type: ignore[index]
    again = pickle.loads(pickle.dumps(series))
    assert again == series and again.instrument_id == series.instrument_id
    # a packed buffer goes in as one block and gives the same series as a list of values
    packed = BarSeries.from_columns(
        "AAA", array("q", series.ts_ns),
        *(array("d", getattr(series, n)) for n in ("open", "high", "low", "close", "volume")),
    )
    assert packed == series
    window = series.between(T0 + DAY, None)
    assert window.close.obj is series.close.obj  # a slice is a view, not a copy
