"""Price modes (``DatasetRef.prices``): what each trades and which actions it leaves (ADR 0023)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from finbot.contracts import (
    BarSeries,
    CashDividend,
    ConfigError,
    DatasetRef,
    DataValidationError,
    Instrument,
    MarketData,
    PriceMode,
    Split,
    to_ns,
)
from finbot.data import LocalDataSource, adjust_for_corporate_actions, apply_price_mode

DAYS = [date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7)]
# a 1.00 dividend ex 03-05 (per old share), then a 2:1 split ex 03-06
ACTIONS = (
    CashDividend(instrument_id="XYZ", ex_date=DAYS[1], amount=1.0),
    Split(instrument_id="XYZ", ex_date=DAYS[2], ratio=2.0),
)


def hand(actions=ACTIONS) -> MarketData:
    closes = [100.0, 99.0, 50.0, 51.0]
    series = BarSeries.from_columns(
        "XYZ", [to_ns(d) for d in DAYS], closes, [c + 1 for c in closes],
        [c - 1 for c in closes], closes, [10.0, 10.0, 20.0, 20.0],
    )
    return MarketData([Instrument(id="XYZ")], [series], actions, name="hand")


def test_raw_keeps_prices_and_every_action():
    data = hand()
    assert apply_price_mode(data, PriceMode.RAW) is data


def test_total_return_folds_everything_in():
    out = apply_price_mode(hand(), PriceMode.TOTAL_RETURN)
    assert out.corporate_actions == ()
    assert out.snapshot_id() == adjust_for_corporate_actions(hand()).snapshot_id()
    # before the split: halved; before the dividend also times 1 - 1.00 / 100
    assert tuple(out.bars("XYZ").close) == pytest.approx((49.5, 49.5, 50.0, 51.0))


def test_split_adjusted_folds_splits_and_restates_earlier_dividends_per_new_share():
    out = apply_price_mode(hand(), PriceMode.SPLIT_ADJUSTED)
    # prices before the split halve, volume doubles; after it they are as printed
    assert tuple(out.bars("XYZ").close) == (50.0, 49.5, 50.0, 51.0)
    assert tuple(out.bars("XYZ").volume) == (20.0, 20.0, 20.0, 20.0)
    # the 1.00 per old share is 0.50 per share of the split-adjusted series
    (dividend,) = out.corporate_actions
    assert (dividend.ex_date, dividend.amount) == (DAYS[1], 0.5)


def test_backtrader_yahoo_is_for_yahoo_files_only(tmp_path: Path):
    with pytest.raises(ConfigError, match="backtrader-yahoo"):
        apply_price_mode(hand(), PriceMode.BACKTRADER_YAHOO)
    plain = tmp_path / "abc.csv"
    plain.write_text(
        "Date,Open,High,Low,Close,Volume,OpenInterest\n"
        "2024-03-04,10,11,9,10,100,0\n2024-03-05,10,11,9,10,100,0\n"
    )
    ref = DatasetRef(name="abc", paths=(str(plain),), prices=PriceMode.BACKTRADER_YAHOO)
    with pytest.raises(DataValidationError, match="Adj Close") as caught:
        LocalDataSource().load(ref)
    assert caught.value.source == str(plain)


def test_without_adj_close_every_other_mode_trades_the_file_as_is(tmp_path: Path):
    plain = tmp_path / "abc.csv"
    plain.write_text(
        "Date,Open,High,Low,Close,Volume,OpenInterest\n"
        "2024-03-04,10,11,9,10,100,0\n2024-03-05,10,11,9,10.5,100,0\n"
    )
    closes = set()
    for mode in (PriceMode.RAW, PriceMode.SPLIT_ADJUSTED, PriceMode.TOTAL_RETURN):
        data = LocalDataSource().load(DatasetRef(name="abc", paths=(str(plain),), prices=mode))
        assert data.corporate_actions == ()
        closes.add(tuple(data.bars("ABC").close))
    assert closes == {(10.0, 10.5)}


def test_yahoo_file_modes(tmp_path: Path):
    # Close 10 then 9.9; Adj Close factor 0.98 then 0.99 -> a dividend of 10 * (1 - 0.98/0.99)
    yahoo = tmp_path / "div.csv"
    yahoo.write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-03-04,10,10,10,10,9.8,100\n2024-03-05,9.9,9.9,9.9,9.9,9.801,100\n"
    )
    def load(mode):
        return LocalDataSource().load(DatasetRef(name="d", paths=(str(yahoo),), prices=mode))

    raw = load(PriceMode.RAW)
    (dividend,) = raw.corporate_actions
    assert (dividend.ex_date, dividend.amount) == (DAYS[1], round(10 * (1 - 0.98 / 0.99), 4))
    assert tuple(raw.bars("DIV").close) == (10.0, 9.9)
    total = load(PriceMode.TOTAL_RETURN)
    assert total.corporate_actions == ()
    assert tuple(total.bars("DIV").close) == pytest.approx((9.8, 9.801))
    assert load(PriceMode.BACKTRADER_YAHOO).bars("DIV").close.tolist() == [9.8, 9.8]


def test_golden_default_is_total_return_as_before():
    assert DatasetRef(name="golden").prices is PriceMode.TOTAL_RETURN
    default = LocalDataSource().load(DatasetRef(name="golden"))
    legacy = LocalDataSource().load(DatasetRef(name="golden", prices=None))
    assert default.snapshot_id() == legacy.snapshot_id()
    raw = LocalDataSource().load(DatasetRef(name="golden", prices=PriceMode.RAW))
    assert len(raw.corporate_actions) == 2
