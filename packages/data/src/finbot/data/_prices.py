"""Price modes (``--prices``): which prices a run trades and which actions its engines apply.

``raw`` keeps the printed prices and the whole action table; ``split-adjusted`` folds the splits
into the prices and leaves the dividends to the engines; ``total-return`` folds both in;
``backtrader-yahoo`` is what Backtrader's Yahoo feed trades. Yahoo CSV files hold no raw prices
(their ``Close`` is already split-adjusted) but their ``Adj Close`` gives the dividends (ADR 0023).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from finbot.contracts import (
    CashDividend,
    ConfigError,
    CorporateAction,
    MarketData,
    PriceMode,
    Split,
    from_ns,
)

from ._corporate import adjust_for_corporate_actions

# What a Yahoo ``Adj Close`` column does: nothing; scale the prices (required or if present);
# give the dividends; or give Backtrader's Yahoo feed's rounded prices (required).
AdjClose = Literal["ignore", "scale", "scale-if-present", "dividends", "backtrader"]
ADJ_CLOSE_USES: Mapping[PriceMode, AdjClose] = {
    PriceMode.RAW: "dividends",
    PriceMode.SPLIT_ADJUSTED: "dividends",
    PriceMode.TOTAL_RETURN: "scale-if-present",
    PriceMode.BACKTRADER_YAHOO: "backtrader",
}
# Adj Close / Close changes by ~1e-6 from one day to the next through the column's rounding to
# six decimals (measured on the ORCL and NVDA samples); a dividend moves it by 1e-4 and more.
_FACTOR_NOISE = 1e-5
# Derived amounts carry the same noise; dividends are declared in tenths of a cent at most.
_AMOUNT_DECIMALS = 4


def dividends_from_adj_close(
    instrument_id: str, ts_ns: np.ndarray, close: np.ndarray, adj_close: np.ndarray
) -> list[CashDividend]:
    """The cash dividends a Yahoo file's ``Adj Close`` encodes, one per ex-date.

    Yahoo's factor ``f = Adj Close / Close`` is constant between ex-dates and, across a dividend
    ``D`` going ex on day ``i``, ``f[i-1] / f[i] = 1 - D / Close[i-1]``; so
    ``D = Close[i-1] * (1 - f[i-1] / f[i])``, rounded to 0.0001.
    """
    factor = adj_close / close
    ratio = factor[:-1] / factor[1:]
    found = np.flatnonzero(ratio < 1.0 - _FACTOR_NOISE)
    out = []
    for i in found.tolist():
        amount = round(float(close[i] * (1.0 - ratio[i])), _AMOUNT_DECIMALS)
        if amount > 0:
            day = from_ns(int(ts_ns[i + 1])).date()
            out.append(CashDividend(instrument_id=instrument_id, ex_date=day, amount=amount))
    return out


def backtrader_yahoo_prices(
    values: Mapping[str, np.ndarray], adj_close: np.ndarray
) -> dict[str, np.ndarray]:
    """Prices and volume as ``bt.feeds.YahooFinanceCSVData`` (its defaults) makes them.

    Its arithmetic, step by step: ``factor = Close / Adj Close``; open, high and low divided by
    it; close = ``Adj Close``; the four rounded with Python's ``round(x, 2)``; volume times the
    factor, rounded to a whole number.
    """
    factor = (values["close"] / adj_close).tolist()
    out = {
        name: np.array([round(x / f, 2) for x, f in zip(values[name].tolist(), factor,
                                                         strict=True)])
        for name in ("open", "high", "low")
    }
    out["close"] = np.array([round(x, 2) for x in adj_close.tolist()])
    out["volume"] = np.array(
        [float(round(v * f)) for v, f in zip(values["volume"].tolist(), factor, strict=True)]
    )
    return out


def apply_price_mode(data: MarketData, mode: PriceMode) -> MarketData:
    """The data a run in ``mode`` trades: prices adjusted as the mode says, the actions left.

    Raises:
        ConfigError: ``backtrader-yahoo`` asked of data that carries an action table (it is
            defined for Yahoo CSV files, whose loader already applied it).
    """
    actions = data.corporate_actions
    if mode is PriceMode.RAW or not actions:
        return data
    if mode is PriceMode.TOTAL_RETURN:
        return adjust_for_corporate_actions(data)
    if mode is PriceMode.BACKTRADER_YAHOO:
        raise ConfigError(
            f"prices backtrader-yahoo is what Backtrader's Yahoo feed does to a Yahoo CSV file; "
            f"dataset {data.name!r} carries a corporate-action table instead (use raw, "
            "split-adjusted or total-return)"
        )
    splits = [a for a in actions if isinstance(a, Split)]
    adjusted = adjust_for_corporate_actions(_with_actions(data, splits))
    return _with_actions(adjusted, [_per_adjusted_share(a, splits) for a in actions
                                    if isinstance(a, CashDividend)])


def _per_adjusted_share(dividend: CashDividend, splits: list[Split]) -> CashDividend:
    """A dividend restated per share of the split-adjusted series (later splits divide it)."""
    ratio = 1.0
    for split in splits:
        if split.instrument_id == dividend.instrument_id and split.ex_date > dividend.ex_date:
            ratio *= split.ratio
    if ratio == 1.0:
        return dividend
    return dividend.model_copy(update={"amount": dividend.amount / ratio})


def _with_actions(data: MarketData, actions: Sequence[CorporateAction]) -> MarketData:
    return MarketData(
        data.instruments.values(),
        data,
        actions,
        name=data.name,
        calendar=data.calendar,
        known_gaps=data.known_gaps,
    )
