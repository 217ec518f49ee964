"""Loading bar files into ``MarketData``: format sniffed from content, one instrument per CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from finbot.contracts import (
    BarSeries,
    ConfigError,
    CorporateAction,
    DataValidationError,
    Instrument,
    MarketData,
)

from ._columns import instrument_id_for
from ._csv import parse_csv_bars
from ._onramp import gunzip_if_compressed
from ._origin import Origins
from ._parquet import parquet_series
from ._prices import AdjClose

_PARQUET_MAGIC = b"PAR1"


def read_csv_bars(
    path: str | Path,
    *,
    instrument_id: str | None = None,
    timezone: str | None = None,
    use_adj_close: bool = False,
) -> BarSeries:
    """Read and validate one CSV bar file (Yahoo or Backtrader layout).

    Args:
        path: The CSV file.
        instrument_id: Overrides the id taken from the file name (``orcl-1995-2014.txt`` -> ORCL).
        timezone: Zone of intraday ``Date,Time`` values (default UTC). Daily dates are always
            stamped 00:00 UTC of the session date.
        use_adj_close: Scale Open/High/Low/Close by ``Adj Close / Close`` (Yahoo back-adjustment).

    Raises:
        DataValidationError: Naming the file, the line and the column of the first bad value.
    """
    use: AdjClose = "scale" if use_adj_close else "ignore"
    return _csv_series(_read_bytes(path), path, instrument_id, timezone, use)


def load_files(
    paths: Sequence[str | Path],
    *,
    name: str | None = None,
    instrument_ids: Sequence[str | None] | None = None,
    timezone: str | None = None,
    use_adj_close: bool = False,
    origins: Origins | None = None,
    adj_close: AdjClose = "ignore",
) -> MarketData:
    """Load bar files (CSV or Parquet, told apart by content) as one validated ``MarketData``.

    Each CSV file is one instrument; a Parquet file may hold several (``instrument`` column).

    Args:
        paths: The files, in the order their instruments should appear.
        name: The dataset's name (default: the first file's stem).
        instrument_ids: Per-path id overrides (``None`` entries keep the file-name rule).
        timezone: Zone of naive intraday timestamps (default UTC).
        use_adj_close: For Yahoo CSV files, back-adjust prices with the ``Adj Close`` column.
        origins: When given, filled with each instrument's file and rows (for later checks).
        adj_close: What a Yahoo file's ``Adj Close`` does (``finbot.data.ADJ_CLOSE_USES`` maps
            each price mode to its use); under ``"dividends"`` the data carries the dividends
            derived from it.

    Raises:
        DataValidationError: A file is missing, malformed, or two files give the same instrument.
    """
    if not paths:
        raise ConfigError("no data files given")
    if instrument_ids is not None and len(instrument_ids) != len(paths):
        raise ConfigError(
            f"{len(instrument_ids)} instrument ids given for {len(paths)} data files"
        )
    overrides = list(instrument_ids) if instrument_ids is not None else [None] * len(paths)
    series: dict[str, BarSeries] = {}
    origin: dict[str, str] = {}
    actions: list[CorporateAction] = []
    use: AdjClose = "scale" if use_adj_close else adj_close
    for path, override in zip(paths, overrides, strict=True):
        for one in _load_one(path, override, timezone, use, origins, actions):
            if one.instrument_id in series:
                raise DataValidationError(
                    f"instrument {one.instrument_id} is also in {origin[one.instrument_id]}; "
                    "give each file a distinct instrument id",
                    source=str(path),
                )
            series[one.instrument_id] = one
            origin[one.instrument_id] = str(path)
    label = name if name is not None else Path(paths[0]).name.split(".")[0]
    return MarketData(
        (Instrument(id=i) for i in series), series.values(), actions, name=label
    )


def _load_one(
    path: str | Path,
    instrument_id: str | None,
    timezone: str | None,
    adj_close: AdjClose,
    origins: Origins | None,
    actions: list[CorporateAction],
) -> tuple[BarSeries, ...]:
    data = _read_bytes(path)
    if data[:4] == _PARQUET_MAGIC:
        if adj_close in ("scale", "backtrader"):
            raise DataValidationError(
                "Adj Close prices were asked for, but this is a Parquet file; they come from "
                "the 'Adj Close' column of a Yahoo CSV file",
                source=str(path),
            )
        # The bytes are in hand: parse them rather than read the file a second time.
        return parquet_series(
            pa.BufferReader(data), path, instrument_id=instrument_id, timezone=timezone,
            origins=origins,
        )
    return (_csv_series(data, path, instrument_id, timezone, adj_close, origins, actions),)


def _csv_series(
    data: bytes,
    path: str | Path,
    instrument_id: str | None,
    timezone: str | None,
    adj_close: AdjClose,
    origins: Origins | None = None,
    actions: list[CorporateAction] | None = None,
) -> BarSeries:
    return parse_csv_bars(
        data,
        source=str(path),
        instrument_id=instrument_id_for(path, instrument_id),
        timezone=timezone,
        adj_close=adj_close,
        origins=origins,
        actions=actions,
    )


def _read_bytes(path: str | Path) -> bytes:
    """The file's bytes, unpacked when it is gzip-compressed (``.csv.gz``, ``.parquet.gz``)."""
    try:
        return gunzip_if_compressed(Path(path).read_bytes(), str(path))
    except FileNotFoundError:
        raise DataValidationError("file not found", source=str(path)) from None
    except IsADirectoryError:
        raise DataValidationError("is a directory, not a data file", source=str(path)) from None
    except OSError as exc:
        raise DataValidationError(f"cannot read file: {exc.strerror}", source=str(path)) from None
