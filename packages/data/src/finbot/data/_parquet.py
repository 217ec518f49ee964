"""Parquet bar files: ``ts`` (or ``date``), open, high, low, close, volume[, instrument].

An ``instrument`` column holds several instruments in one table. Rows count from 1 in file order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from finbot.contracts import BarSeries, ConfigError, DataValidationError

from ._columns import (
    BAR_FIELDS,
    build_series,
    instrument_id_for,
    parse_numbers,
    require_instants,
    to_utc_ns,
)

_INSTRUMENT_COLUMNS = ("instrument", "instrument_id")


def read_parquet_bars(
    path: str | Path, *, instrument_id: str | None = None, timezone: str | None = None
) -> tuple[BarSeries, ...]:
    """Read and validate a Parquet bar file; one series per instrument, in order of appearance.

    Args:
        path: The Parquet file.
        instrument_id: Id for a file without an instrument column (default: from the file name).
        timezone: Zone of naive timestamps (default UTC); ignored for dates and tz-aware columns.
    """
    return parquet_series(path, path, instrument_id=instrument_id, timezone=timezone)


def parquet_series(
    content: str | Path | pa.BufferReader,
    path: str | Path,
    *,
    instrument_id: str | None,
    timezone: str | None,
) -> tuple[BarSeries, ...]:
    """``read_parquet_bars`` on ``content`` (the file, or its bytes already read from ``path``)."""
    source = str(path)
    try:
        table = pq.read_table(content)
    except FileNotFoundError:
        raise DataValidationError("file not found", source=source) from None
    except (pa.ArrowException, OSError) as exc:
        raise DataValidationError(f"cannot read as Parquet: {exc}", source=source) from None
    if table.num_rows == 0:
        raise DataValidationError("file has no rows", source=source)
    frame = table.to_pandas(date_as_object=False)
    columns = {str(c).strip().lower(): str(c) for c in frame.columns}
    stamp_key = next((k for k in ("ts", "date") if k in columns), None)
    if stamp_key is None:
        raise DataValidationError(
            f"missing column 'ts' (or 'date'); the table has {', '.join(map(str, frame.columns))}",
            source=source, field="ts",
        )
    for name in BAR_FIELDS:
        if name not in columns:
            raise DataValidationError(
                f"missing column '{name}'; the table has {', '.join(map(str, frame.columns))}",
                source=source, field=name,
            )
    rows = np.arange(1, len(frame) + 1)
    instrument_key = next((k for k in _INSTRUMENT_COLUMNS if k in columns), None)
    if instrument_key is None:
        iid = instrument_id_for(path, instrument_id)
        return (_series(frame, rows, iid, columns, stamp_key, timezone, source),)
    if instrument_id is not None:
        raise ConfigError(
            f"{source} names its instruments in column '{columns[instrument_key]}'; "
            "an instrument id cannot be imposed on it"
        )
    ids = frame[columns[instrument_key]]
    missing = np.flatnonzero(ids.isna().to_numpy())
    if missing.size:
        raise DataValidationError(
            "instrument is missing", source=source, row=int(missing[0]) + 1,
            field=columns[instrument_key],
        )
    out = []
    for iid in pd.unique(ids):
        mask = (ids == iid).to_numpy()
        instrument = instrument_id_for(path, str(iid))
        out.append(
            _series(frame.loc[mask], rows[mask], instrument, columns, stamp_key, timezone, source)
        )
    return tuple(out)


def _series(
    frame: pd.DataFrame,
    rows: np.ndarray,
    instrument_id: str,
    columns: dict[str, str],
    stamp_key: str,
    timezone: str | None,
    source: str,
) -> BarSeries:
    row_list = rows.tolist()
    values = {
        name: parse_numbers(
            frame[columns[name]], column=columns[name], source=source, rows=row_list
        )
        for name in BAR_FIELDS
    }
    stamp_col = columns[stamp_key]
    ts_ns = _instants(frame[stamp_col], stamp_key, timezone, stamp_col, source, row_list)
    field_names = {name: columns[name] for name in BAR_FIELDS} | {"timestamp": stamp_col}
    return build_series(
        instrument_id, ts_ns, values, source=source, rows=row_list, field_names=field_names
    )


def _instants(
    raw: pd.Series, key: str, timezone: str | None, column: str, source: str, rows: list[int]
) -> np.ndarray:
    if pd.api.types.is_integer_dtype(raw.dtype):
        # Integers are taken as finbot's own form: UTC nanoseconds since the epoch.
        return np.asarray(raw.to_numpy(dtype="int64"))
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        stamps = raw
    else:
        stamps = pd.to_datetime(raw, errors="coerce", format="ISO8601")
    require_instants(stamps, raw, column=column, expected="a date", source=source, rows=rows)
    if key == "date":
        # Dates are sessions: 00:00 UTC of the date, whatever zone the exchange keeps.
        naive = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
        return np.asarray(naive.dt.normalize().dt.as_unit("ns").astype("int64").to_numpy())
    return to_utc_ns(stamps, timezone=timezone, column=column, source=source, rows=rows, raw=raw)
