"""Parquet bar files: ``ts`` (or ``date``), open, high, low, close, volume[, instrument].

An ``instrument`` column holds several instruments in one table. Rows count from 1 in file order.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from ._origin import Origins

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
    origins: Origins | None = None,
) -> tuple[BarSeries, ...]:
    """``read_parquet_bars`` on ``content`` (the file, or its bytes already read from ``path``).

    Every column is parsed once for the whole table, then split by instrument with one stable sort
    of the instrument codes, so the cost grows linearly with the rows, not rows x instruments.
    """
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
    del table
    if isinstance(frame.index, pd.DatetimeIndex):
        # pandas' df.to_parquet() keeps a DatetimeIndex as the index: make it the stamp column.
        frame = frame.reset_index(names=frame.index.name or "ts")
    columns = {str(c).strip().lower(): str(c) for c in frame.columns}
    stamp_key = next((k for k in ("ts", "date", "datetime", "timestamp") if k in columns), None)
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
    instrument_key = next((k for k in _INSTRUMENT_COLUMNS if k in columns), None)
    if instrument_key is not None and instrument_id is not None:
        raise ConfigError(
            f"{source} names its instruments in column '{columns[instrument_key]}'; "
            "an instrument id cannot be imposed on it"
        )
    rows = _RowNumbers(len(frame))
    values = {
        name: parse_numbers(frame[columns[name]], column=columns[name], source=source, rows=rows)
        for name in BAR_FIELDS
    }
    stamp_col = columns[stamp_key]
    ts_ns = _instants(frame[stamp_col], stamp_key, timezone, stamp_col, source, rows)
    field_names = {name: columns[name] for name in BAR_FIELDS} | {"timestamp": stamp_col}
    if instrument_key is None:
        iid = instrument_id_for(path, instrument_id)
        return (
            build_series(iid, ts_ns, values, source=source, rows=rows, field_names=field_names,
                         origins=origins),
        )
    ids = frame[columns[instrument_key]]
    missing = np.flatnonzero(ids.isna().to_numpy())
    if missing.size:
        raise DataValidationError(
            "instrument is missing", source=source, row=int(missing[0]) + 1,
            field=columns[instrument_key],
        )
    codes, names = pd.factorize(ids)  # codes in order of first appearance
    del frame, ids
    order = np.argsort(codes, kind="stable")  # each instrument's rows together, file order kept
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=len(names)))))
    out = []
    for k, name in enumerate(names):
        positions = order[bounds[k]:bounds[k + 1]]
        out.append(
            build_series(
                instrument_id_for(path, str(name)),
                ts_ns[positions],
                {field: column[positions] for field, column in values.items()},
                source=source,
                rows=(positions + 1).tolist(),
                field_names=field_names,
                origins=origins,
            )
        )
    return tuple(out)


class _RowNumbers(Sequence[int]):
    """Row ``i + 1`` of position ``i`` (Parquet rows count from 1), without a list of them all."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> int:  # type: ignore[override]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return i % self._n + 1


def _instants(
    raw: pd.Series, key: str, timezone: str | None, column: str, source: str, rows: Sequence[int]
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
