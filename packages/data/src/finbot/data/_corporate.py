"""Back-adjustment of prices for splits and cash dividends, so engines can trade one price series.

Standard multiplicative back-adjustment: bars before an ex-date are scaled so the series continues
without the jump the action causes; the last bars keep their traded prices.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np

from finbot.contracts import (
    BarSeries,
    CashDividend,
    CorporateAction,
    DataValidationError,
    MarketData,
    Split,
    to_ns,
)


def adjust_for_corporate_actions(data: MarketData) -> MarketData:
    """Back-adjust each instrument's bars for its splits and cash dividends.

    For a split of ``ratio`` new shares per old share going ex on day D, every bar before D has its
    prices divided by ``ratio`` and its volume multiplied by it. For a cash dividend of ``amount``
    going ex on D, every bar before D has its prices multiplied by ``1 - amount / C``, where C is
    the close of the last bar before D (volume unchanged); the amount is per share outstanding on D,
    so a split on the same day is applied to C first. Factors of several actions multiply. Actions
    on or before the first bar, or after the last one, change nothing.

    Returns:
        New ``MarketData`` with the adjusted bars and no corporate actions left (they are applied:
        keeping them would let a consumer apply them twice).

    Raises:
        DataValidationError: A dividend is not smaller than the close before its ex-date.
    """
    by_instrument: dict[str, list[CorporateAction]] = defaultdict(list)
    for action in data.corporate_actions:
        by_instrument[action.instrument_id].append(action)
    series = [_adjust(s, by_instrument.get(s.instrument_id, []), data.name) for s in data]
    return MarketData(
        data.instruments.values(),
        series,
        (),
        name=data.name,
        calendar=data.calendar,
        known_gaps=data.known_gaps,
    )


def _adjust(series: BarSeries, actions: list[CorporateAction], source: str) -> BarSeries:
    if not actions or len(series) == 0:
        return series
    ts = np.asarray(series.ts_ns, dtype=np.int64)
    close = np.asarray(series.close, dtype=np.float64)
    price_factor = np.ones(len(ts))
    volume_factor = np.ones(len(ts))
    splits_on: dict[date, float] = defaultdict(lambda: 1.0)
    for action in actions:
        if isinstance(action, Split):
            splits_on[action.ex_date] *= action.ratio
    for action in actions:
        # Bars strictly before the ex-date's 00:00 UTC are the ones traded before the action.
        before = int(np.searchsorted(ts, to_ns(action.ex_date), side="left"))
        if before in (0, len(ts)):
            continue  # the action falls outside the data: no bar straddles it
        if isinstance(action, Split):
            price_factor[:before] /= action.ratio
            volume_factor[:before] *= action.ratio
        elif isinstance(action, CashDividend):
            reference = close[before - 1] / splits_on[action.ex_date]
            if action.amount >= reference:
                raise DataValidationError(
                    f"dividend {action.amount} on {action.ex_date} is not below the close "
                    f"{reference} before it; cannot back-adjust",
                    source=source,
                    field=f"{series.instrument_id} corporate action",
                )
            price_factor[:before] *= 1.0 - action.amount / reference
    o, h, lo, c = (
        (np.asarray(getattr(series, name)) * price_factor).tolist()
        for name in ("open", "high", "low", "close")
    )
    volume = (np.asarray(series.volume) * volume_factor).tolist()
    return BarSeries.from_columns(series.instrument_id, series.ts_ns, o, h, lo, c, volume,
                                  source=source)
