"""CSV bar files in Yahoo, yfinance or Backtrader (daily or intraday) layout, told apart by header.

Yahoo: ``Date,Open,High,Low,Close,Adj Close,Volume``; Backtrader daily:
``Date,Open,High,Low,Close,Volume,OpenInterest``; intraday adds ``Time`` after ``Date``. yfinance
(``download(...).to_csv()``): a ``Price,...`` header, a ``Ticker,...`` row and a ``Date`` or
``Datetime`` row; its stamps may carry a UTC offset. ``;`` or tab delimiters are recognised by the
header line (``_onramp``).

Rows are reported by their line number in the file (the header is line 1), as an editor shows them.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from finbot.contracts import BarSeries, CorporateAction, DataValidationError

from ._columns import (
    BAR_FIELDS,
    PRICE_FIELDS,
    build_series,
    parse_numbers,
    require_instants,
    to_utc_ns,
)
from ._onramp import CsvLayout, csv_layout
from ._origin import Origins
from ._prices import AdjClose, backtrader_yahoo_prices, dividends_from_adj_close

_ALIASES = {
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
}
_REQUIRED = BAR_FIELDS
_SPELLING = {"date": "Date", "open": "Open", "high": "High", "low": "Low", "close": "Close",
             "volume": "Volume", "adj_close": "Adj Close"}


def parse_csv_bars(
    data: bytes,
    *,
    source: str,
    instrument_id: str,
    timezone: str | None = None,
    use_adj_close: bool = False,
    origins: Origins | None = None,
    adj_close: AdjClose = "ignore",
    actions: list[CorporateAction] | None = None,
) -> BarSeries:
    """Parse and validate the bytes of one CSV bar file (one instrument).

    ``origins``, when given, records the file and each bar's line for later checks' messages.
    ``adj_close`` says what a Yahoo ``Adj Close`` column does (``ADJ_CLOSE_USES``);
    ``use_adj_close=True`` is ``"scale"``, which requires the column. Under ``"dividends"`` the
    dividends derived from it are appended to ``actions``.
    """
    if not data.strip():
        raise DataValidationError("file is empty", source=source)
    layout = csv_layout(data)
    frame = _read(data, source, layout)
    columns = _map_columns(frame, source)
    # Blank lines are kept by the reader so that positions still map to line numbers; drop them now.
    blank = (frame.isna() | (frame == "")).all(axis=1).to_numpy()
    first = layout.first_data_line
    lines = np.arange(first, len(frame) + first)[~blank]
    frame = frame.loc[~blank]
    if frame.empty:
        raise DataValidationError("file has a header but no data rows", source=source, row=1)
    rows = lines.tolist()

    values = {
        name: parse_numbers(frame[columns[name]], column=columns[name], source=source, rows=rows)
        for name in BAR_FIELDS
    }
    ts_ns, stamp_field = _timestamps(frame, columns, timezone, source, rows)
    field_names = {name: columns[name] for name in BAR_FIELDS} | {"timestamp": stamp_field}
    series = build_series(
        instrument_id, ts_ns, values, source=source, rows=rows, field_names=field_names,
        origins=origins,
    )
    mode = "scale" if use_adj_close else adj_close
    if mode == "ignore":
        return series
    if "adj_close" not in columns:
        if mode in ("scale", "backtrader"):
            wanted = "use_adj_close" if use_adj_close else f"prices {_MODE_NAMES[mode]}"
            raise DataValidationError(
                f"{wanted} needs the 'Adj Close' column of a Yahoo CSV file; this file has none",
                source=source, row=1, field="Adj Close",
            )
        return series  # no Adj Close: the prices are all there is
    adj = parse_numbers(
        frame[columns["adj_close"]], column=columns["adj_close"], source=source, rows=rows
    )
    bad = np.flatnonzero(~np.isfinite(adj) | (adj <= 0))
    if bad.size:
        i = int(bad[0])
        raise DataValidationError(
            f"adjusted close {adj[i]} must be a positive number",
            source=source, row=rows[i], field=columns["adj_close"],
        )
    if mode == "dividends":
        if actions is not None:
            actions.extend(dividends_from_adj_close(instrument_id, ts_ns, values["close"], adj))
        return series
    if mode == "backtrader":
        adjusted = backtrader_yahoo_prices(values, adj)
    else:
        factor = adj / values["close"]
        adjusted = {name: values[name] * factor for name in PRICE_FIELDS}
        adjusted["volume"] = values["volume"]
    return build_series(
        instrument_id, ts_ns, adjusted, source=source, rows=rows, field_names=field_names
    )


_MODE_NAMES = {"backtrader": "backtrader-yahoo", "scale": "total-return"}


def _read(data: bytes, source: str, layout: CsvLayout) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=layout.delimiter,
            skiprows=list(layout.skip_lines),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
        if layout.stamp_label is not None:
            frame = frame.rename(columns={frame.columns[0]: layout.stamp_label})
        return frame
    except pd.errors.ParserError as exc:
        # pandas names the physical line ("Expected 7 fields in line 5, saw 8"); keep it.
        found = re.search(r"line (\d+)", str(exc))
        raise DataValidationError(
            f"cannot parse CSV: {str(exc).strip().splitlines()[-1]}",
            source=source,
            row=int(found.group(1)) if found else None,
        ) from None
    except (UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"cannot read as CSV text: {exc}", source=source) from None


def _map_columns(frame: pd.DataFrame, source: str) -> dict[str, str]:
    """Canonical name -> the header as spelled in the file (matched case-insensitively)."""
    found: dict[str, str] = {}
    for header in frame.columns:
        canonical = _ALIASES.get(str(header).strip().lower())
        if canonical is not None and canonical not in found:
            found[canonical] = str(header)
    if "date" not in found and "datetime" not in found:
        raise DataValidationError(
            f"missing column 'Date' (or 'Datetime'); the header has "
            f"{', '.join(str(c) for c in frame.columns)}",
            source=source, row=1, field="Date",
        )
    for name in _REQUIRED:
        if name not in found:
            raise DataValidationError(
                f"missing column '{_SPELLING[name]}'; the header has "
                f"{', '.join(str(c) for c in frame.columns)}",
                source=source, row=1, field=_SPELLING[name],
            )
    return found


def _timestamps(
    frame: pd.DataFrame,
    columns: dict[str, str],
    timezone: str | None,
    source: str,
    rows: list[int],
) -> tuple[np.ndarray, str]:
    if "date" not in columns:
        return _offset_stamps(frame[columns["datetime"]], columns["datetime"], timezone, source,
                              rows)
    date_col = columns["date"]
    dates = frame[date_col].str.strip()
    if dates.str.fullmatch(_MIDNIGHT).all():
        # yfinance daily: "2024-01-02 00:00:00-05:00" is the session of 2024-01-02.
        dates = dates.str.slice(0, 10)
    parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    require_instants(
        parsed, dates, column=date_col, expected="a date (YYYY-MM-DD)", source=source, rows=rows
    )
    if "time" not in columns:
        # A daily bar is stamped 00:00 UTC of its session date, whatever the exchange's zone.
        ns = parsed.dt.as_unit("ns").astype("int64").to_numpy()
        return ns, date_col
    time_col = columns["time"]
    times = frame[time_col].str.strip()
    stamps = pd.to_datetime(dates + " " + times, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    require_instants(
        stamps, times, column=time_col, expected="a time (HH:MM:SS)", source=source, rows=rows
    )
    raw = dates + " " + times
    ns = to_utc_ns(stamps, timezone=timezone, column=time_col, source=source, rows=rows, raw=raw)
    return ns, f"{date_col}/{time_col}"


# A daily stamp written as local midnight with an optional UTC offset (yfinance's daily files).
_MIDNIGHT = r"\d{4}-\d{2}-\d{2}([ T]00:00:00(\.0+)?([+-]\d{2}:?\d{2}|Z)?)?"


def _offset_stamps(
    values: pd.Series, column: str, timezone: str | None, source: str, rows: list[int]
) -> tuple[np.ndarray, str]:
    """A ``Datetime`` column: ISO date-times with a UTC offset, or naive ones in ``timezone``."""
    text = values.str.strip()
    offset = text.str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True)
    if offset.all():
        stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    else:
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce")
    require_instants(
        stamps, text, column=column, expected="a date-time (YYYY-MM-DD HH:MM:SS[+HH:MM])",
        source=source, rows=rows,
    )
    return to_utc_ns(stamps, timezone=timezone, column=column, source=source, rows=rows,
                     raw=text), column
