"""The shapes bar files arrive in: gzip, ``;`` or tab delimiters, yfinance's three header rows.

``csv_layout`` looks at the first lines only; the CSV parser then reads the file with it, so line
numbers in error messages stay those of the file.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from finbot.contracts import DataValidationError

_GZIP_MAGIC = b"\x1f\x8b"


def gunzip_if_compressed(data: bytes, source: str) -> bytes:
    """The bytes of a ``.gz`` file (recognised by its magic number, not its name) unpacked."""
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataValidationError(f"cannot decompress gzip data: {exc}", source=source) from None


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How to read a CSV bar file.

    Attributes:
        delimiter: ``,`` (default), ``;`` or a tab, from the header line.
        skip_lines: 0-based line numbers after the header that are not data (yfinance's
            ``Ticker`` and ``Date``/``Datetime`` rows).
        stamp_label: The first column's real name when the header's is a placeholder
            (yfinance's ``Price``), else None.
        first_data_line: The 1-based line number of the first data row.
    """

    delimiter: str = ","
    skip_lines: tuple[int, ...] = ()
    stamp_label: str | None = None
    first_data_line: int = 2


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip() for c in line.split(delimiter)]


def csv_layout(data: bytes) -> CsvLayout:
    """The layout the first lines of ``data`` show (UTF-8; undecodable bytes are the parser's)."""
    head = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    if not head:
        return CsvLayout()
    header = head[0]
    delimiter = ","
    for candidate in (";", "\t"):
        if candidate in header and "," not in header:
            delimiter = candidate
    if len(head) < 2 or _cells(header, delimiter)[0].lower() != "price":
        return CsvLayout(delimiter=delimiter)
    if _cells(head[1], delimiter)[0].lower() != "ticker":
        return CsvLayout(delimiter=delimiter)
    # yfinance: Price,<fields> / Ticker,<symbols> / [Date|Datetime,,,] / data
    skip = [1]
    label = "Date"
    if len(head) > 2:
        third = _cells(head[2], delimiter)
        if third[0].lower() in ("date", "datetime") and not any(third[1:]):
            skip.append(2)
            label = third[0].capitalize()
    return CsvLayout(delimiter, tuple(skip), label, first_data_line=len(skip) + 2)
