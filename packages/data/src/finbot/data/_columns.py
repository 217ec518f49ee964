"""Column parsing shared by the CSV and Parquet loaders: text to numbers and instants.

Errors name the file, the row (as the user counts it in that file) and the column as spelled there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from finbot.contracts import BarSeries, DataValidationError, Instrument

from ._origin import Origin, Origins

PRICE_FIELDS = ("open", "high", "low", "close")
BAR_FIELDS = (*PRICE_FIELDS, "volume")


def instrument_id_for(path: str | Path, override: str | None = None) -> str:
    """The instrument id of a single-instrument file: ``override``, else the stem's first part.

    ``orcl-1995-2014.txt`` gives ``ORCL``: file names often carry a date range after the symbol.
    """
    iid = override if override is not None else Path(path).name.split(".")[0].split("-")[0].upper()
    try:
        Instrument(id=iid)
    except ValidationError:
        raise DataValidationError(
            f"'{iid}' is not a valid instrument id (letters, digits and ._-^= only); "
            "pass an instrument id explicitly",
            source=str(path),
        ) from None
    return iid


def parse_numbers(
    raw: pd.Series, *, column: str, source: str, rows: Sequence[int]
) -> np.ndarray:
    """Text (or numeric) cells to float64; the first cell that is not a number raises."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        i = int(bad[0])
        cell = raw.iloc[i]
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
        problem = "is missing" if not text.strip() else f"'{text}' is not a number"
        raise DataValidationError(
            f"value {problem}", source=source, row=rows[i], field=column
        )
    return values


def first_invalid_instant(stamps: pd.Series) -> int | None:
    """Position of the first NaT, or None."""
    bad = np.flatnonzero(stamps.isna().to_numpy())
    return int(bad[0]) if bad.size else None


def require_instants(
    parsed: pd.Series,
    raw: pd.Series,
    *,
    column: str,
    expected: str,
    source: str,
    rows: Sequence[int],
) -> None:
    """Raise on the first cell of ``raw`` that did not parse (NaT in ``parsed``), naming its row."""
    bad = first_invalid_instant(parsed)
    if bad is None:
        return
    cell = raw.iloc[bad]
    missing = not cell.strip() if isinstance(cell, str) else bool(pd.isna(cell))
    problem = f"value is missing; expected {expected}" if missing else f"'{cell}' is not {expected}"
    raise DataValidationError(problem, source=source, row=rows[bad], field=column)


def to_utc_ns(
    stamps: pd.Series,
    *,
    timezone: str | None,
    column: str,
    source: str,
    rows: Sequence[int],
    raw: pd.Series,
) -> np.ndarray:
    """Parsed datetimes to int64 UTC nanoseconds; naive ones are in ``timezone`` (default UTC)."""
    if stamps.dt.tz is None:
        zone = timezone or "UTC"
        try:
            stamps = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        except Exception as exc:  # unknown zone names come in several exception types
            raise DataValidationError(f"unknown timezone '{zone}': {exc}", source=source) from None
        bad = first_invalid_instant(stamps)
        if bad is not None:
            raise DataValidationError(
                f"'{raw.iloc[bad]}' does not exist or is ambiguous in timezone {zone}",
                source=source,
                row=rows[bad],
                field=column,
            )
    return np.asarray(stamps.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy())


def build_series(
    instrument_id: str,
    ts_ns: np.ndarray,
    columns: Mapping[str, np.ndarray],
    *,
    source: str,
    rows: Sequence[int],
    field_names: Mapping[str, str],
    origins: Origins | None = None,
) -> BarSeries:
    """Validate through ``BarSeries.from_columns``, reporting fields as the file spells them.

    ``origins``, when given, records where the series came from (for later checks' messages).
    """
    if origins is not None:
        origins[instrument_id] = Origin(source=source, rows=rows, fields=field_names)
    try:
        # Contiguous int64/float64 arrays go into the series in one block each.
        return BarSeries.from_columns(
            instrument_id,
            np.ascontiguousarray(ts_ns, dtype=np.int64),
            *(np.ascontiguousarray(columns[name], dtype=np.float64) for name in BAR_FIELDS),
            source=source,
            row_numbers=list(rows),
        )
    except DataValidationError as exc:
        field = field_names.get(exc.field, exc.field) if exc.field is not None else None
        raise DataValidationError(
            exc.reason, source=exc.source, row=exc.row, field=field
        ) from None
