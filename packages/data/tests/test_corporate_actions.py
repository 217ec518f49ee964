from __future__ import annotations

from datetime import date

import pytest

from finbot.contracts import (
    BarSeries,
    CashDividend,
    DataValidationError,
    Instrument,
    MarketData,
    Split,
    to_ns,
)
from finbot.data import adjust_for_corporate_actions

DAYS = [date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7)]


def _data(actions, closes=(100.0, 102.0, 51.0, 50.0)):
    series = BarSeries.from_columns(
        "XYZ",
        [to_ns(d) for d in DAYS],
        open=list(closes),
        high=[c + 2 for c in closes],
        low=[c - 2 for c in closes],
        close=list(closes),
        volume=[100.0, 200.0, 300.0, 400.0],
    )
    return MarketData([Instrument(id="XYZ")], [series], actions, name="hand")


def test_split_and_dividend_hand_computed():
    # 2:1 split ex 03-06 (raw close falls 102 -> 51), then a 1.00 dividend ex 03-07.
    data = _data([
        Split(instrument_id="XYZ", ex_date=DAYS[2], ratio=2.0),
        CashDividend(instrument_id="XYZ", ex_date=DAYS[3], amount=1.0),
    ])
    out = adjust_for_corporate_actions(data)
    bars = out.bars("XYZ")
    dividend_factor = 1.0 - 1.0 / 51.0  # 1 - dividend / close before the ex-date
    assert bars.close == pytest.approx([50.0 * dividend_factor, 51.0 * dividend_factor, 50.0, 50.0])
    assert bars.close[0] == pytest.approx(49.01960784313725)
    assert bars.close[2] == pytest.approx(50.0)
    assert bars.high[1] == pytest.approx(104.0 / 2 * dividend_factor)
    assert bars.close[3] == 50.0 and bars.high[3] == 52.0  # the last bar is never touched
    assert bars.volume == pytest.approx([200.0, 400.0, 300.0, 400.0])  # split doubles old volume
    assert out.corporate_actions == ()
    assert out.bars("XYZ").ts_ns == data.bars("XYZ").ts_ns


def test_dividend_on_split_day_is_per_new_share():
    data = _data([
        Split(instrument_id="XYZ", ex_date=DAYS[2], ratio=2.0),
        CashDividend(instrument_id="XYZ", ex_date=DAYS[2], amount=1.02),
    ])
    bars = adjust_for_corporate_actions(data).bars("XYZ")
    # close before is 102 per old share = 51 per new share; factor 1 - 1.02 / 51 = 0.98
    assert bars.close[1] == pytest.approx(102.0 / 2 * 0.98)


def test_actions_outside_the_data_change_nothing():
    data = _data([
        Split(instrument_id="XYZ", ex_date=date(2024, 3, 1), ratio=3.0),
        CashDividend(instrument_id="XYZ", ex_date=date(2024, 4, 1), amount=5.0),
    ])
    out = adjust_for_corporate_actions(data)
    assert out.bars("XYZ") == data.bars("XYZ")
    assert out.corporate_actions == ()


def test_dividend_not_below_close_is_refused():
    data = _data([CashDividend(instrument_id="XYZ", ex_date=DAYS[3], amount=60.0)])
    with pytest.raises(DataValidationError, match="not below the close"):
        adjust_for_corporate_actions(data)
