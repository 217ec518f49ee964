"""Market data: instruments, bars, quotes, trades, corporate actions and validated bar series.

Single records that cross the hot loop (``Bar``, ``Quote``, ``TradeTick``) are NamedTuples:
immutable, typed and cheap to build. Validation happens once, at the edge, when a ``BarSeries`` is
built.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import operator
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from ._errors import DataValidationError
from ._time import from_ns, to_ns

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class AssetClass(StrEnum):
    """What kind of thing an instrument is."""

    EQUITY = "equity"
    ETF = "etf"
    FUTURE = "future"
    FX = "fx"
    CRYPTO = "crypto"
    INDEX = "index"


class Instrument(BaseModel):
    """A tradable instrument; ``lot_size`` is the smallest tradable quantity step."""

    model_config = _FROZEN

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._\-^=]+$")
    currency: str = Field(default="USD", min_length=3, max_length=3)
    asset_class: AssetClass = AssetClass.EQUITY
    price_increment: PositiveFloat = 0.01
    lot_size: PositiveFloat = 1.0


class Bar(NamedTuple):
    """One OHLCV bar; ``ts_ns`` is the bar's opening instant in UTC nanoseconds."""

    ts_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class Quote(NamedTuple):
    """Top of book at an instant."""

    ts_ns: int
    bid: float
    ask: float
    bid_size: float
    ask_size: float


class TradeTick(NamedTuple):
    """One printed trade."""

    ts_ns: int
    price: float
    size: float


class Split(BaseModel):
    """A stock split effective at the open of ``ex_date``: ``ratio`` new shares per old share."""

    model_config = _FROZEN

    kind: str = Field(default="split", frozen=True, pattern="^split$")
    instrument_id: str
    ex_date: date
    ratio: PositiveFloat


class CashDividend(BaseModel):
    """A cash dividend per share, going ex at the open of ``ex_date`` and paid on ``pay_date``.

    Whoever holds the position when ``ex_date`` opens is entitled (a short pays it); the cash
    moves on ``pay_date`` (None: on the ex-date, the usual case when only the ex-date is known).
    """

    model_config = _FROZEN

    kind: str = Field(default="cash_dividend", frozen=True, pattern="^cash_dividend$")
    instrument_id: str
    ex_date: date
    amount: PositiveFloat
    currency: str = "USD"
    pay_date: date | None = None

    @model_validator(mode="after")
    def _paid_after_ex(self) -> CashDividend:
        if self.pay_date is not None and self.pay_date < self.ex_date:
            raise ValueError(f"pay_date {self.pay_date} is before ex_date {self.ex_date}")
        return self

    @model_serializer(mode="wrap")
    def _omit_unset_pay_date(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Without a pay date the JSON is the one from before the field existed, so datasets'
        # snapshot ids (which hash the actions' JSON) and action files stay as they were.
        data: dict[str, Any] = handler(self)
        if data.get("pay_date") is None:
            data.pop("pay_date", None)
        return data


CorporateAction = Split | CashDividend

BAR_FIELDS = ("open", "high", "low", "close", "volume")
# The largest price or volume a bar may hold. Finite is not enough: 1e308 overflows as soon as the
# books multiply it by a quantity. 1e18 keeps every product a run forms (quantity x price, sums
# over a run, squares in the metrics: at most ~1e36 to 1e40) far from float overflow (~1.8e308)
# and is beyond any real price or volume.
MAX_BAR_VALUE = 1e18


class BarSeries:
    """Validated, immutable, columnar bars of one instrument, strictly increasing in time.

    Build it with :meth:`from_columns` (or :meth:`from_bars`); every rule is checked there and the
    first broken one raises :class:`DataValidationError` naming the source, row and field.

    Each column is a read-only ``memoryview`` over a packed array (int64 ``ts_ns``, float64
    prices and volume): 48 bytes a bar, not a Python object per value. Index, slice, iterate and
    compare them like sequences; ``tuple(series.close)`` or ``series.close.tolist()`` give plain
    values, ``numpy.asarray(series.close)`` a zero-copy array. Slices (``between``) share memory.
    """

    __slots__ = ("close", "high", "instrument_id", "low", "open", "ts_ns", "volume")

    ts_ns: memoryview[int]
    open: memoryview[float]
    high: memoryview[float]
    low: memoryview[float]
    close: memoryview[float]
    volume: memoryview[float]
    instrument_id: str

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("build a BarSeries with BarSeries.from_columns or BarSeries.from_bars")

    @classmethod
    def from_columns(
        cls,
        instrument_id: str,
        ts_ns: Iterable[int],
        open: Iterable[float],
        high: Iterable[float],
        low: Iterable[float],
        close: Iterable[float],
        volume: Iterable[float],
        *,
        source: str | None = None,
        row_numbers: Sequence[int] | None = None,
    ) -> BarSeries:
        """Validate and freeze columns; ``row_numbers`` maps positions to rows of ``source``.

        Columns may be any sequences of numbers; contiguous float64/int64 buffers (numpy arrays,
        ``array.array``) are copied in one block instead of value by value.
        """
        columns = {
            "open": _packed("d", open),
            "high": _packed("d", high),
            "low": _packed("d", low),
            "close": _packed("d", close),
            "volume": _packed("d", volume),
        }
        stamps = _packed("q", ts_ns)
        lengths = {len(stamps), *(len(c) for c in columns.values())}
        if len(lengths) != 1:
            raise DataValidationError(
                f"columns of {instrument_id} have different lengths {sorted(lengths)}",
                source=source,
            )
        _validate(instrument_id, stamps, columns, source, row_numbers)
        return _frozen(instrument_id, stamps, *(columns[name] for name in BAR_FIELDS))

    def __reduce__(self) -> tuple[object, ...]:
        # memoryviews do not pickle; the packed bytes do (datasets travel to worker processes).
        return (
            _unpickle,
            (self.instrument_id, *(getattr(self, n).tobytes() for n in ("ts_ns", *BAR_FIELDS))),
        )

    @classmethod
    def from_bars(
        cls, instrument_id: str, bars: Iterable[Bar], *, source: str | None = None
    ) -> BarSeries:
        """Validate and freeze a sequence of bars."""
        rows = list(bars)
        return cls.from_columns(
            instrument_id,
            [b.ts_ns for b in rows],
            [b.open for b in rows],
            [b.high for b in rows],
            [b.low for b in rows],
            [b.close for b in rows],
            [b.volume for b in rows],
            source=source,
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("BarSeries is immutable")

    def __len__(self) -> int:
        return len(self.ts_ns)

    def __getitem__(self, index: int) -> Bar:
        return Bar(
            self.ts_ns[index],
            self.open[index],
            self.high[index],
            self.low[index],
            self.close[index],
            self.volume[index],
        )

    def __iter__(self) -> Iterator[Bar]:
        return map(Bar, self.ts_ns, self.open, self.high, self.low, self.close, self.volume)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BarSeries):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __hash__(self) -> int:
        return hash((self.instrument_id, self.ts_ns.tobytes(), self.close.tobytes()))

    def __repr__(self) -> str:
        if not self.ts_ns:
            return f"BarSeries({self.instrument_id!r}, empty)"
        return (
            f"BarSeries({self.instrument_id!r}, {len(self)} bars, "
            f"{from_ns(self.ts_ns[0]).date()}..{from_ns(self.ts_ns[-1]).date()})"
        )

    def between(self, start_ns: int | None, end_ns: int | None) -> BarSeries:
        """The bars with ``start_ns <= ts_ns <= end_ns`` (either bound may be open)."""
        lo = 0 if start_ns is None else bisect_left(self.ts_ns, start_ns)
        hi = len(self) if end_ns is None else bisect_right(self.ts_ns, end_ns)
        return _sliced(self, lo, hi)


def _sliced(series: BarSeries, lo: int, hi: int) -> BarSeries:
    out = object.__new__(BarSeries)
    object.__setattr__(out, "instrument_id", series.instrument_id)
    for name in ("ts_ns", *BAR_FIELDS):
        object.__setattr__(out, name, getattr(series, name)[lo:hi])  # a view: no copy
    return out


# Buffer formats laid out like array typecodes "q" (int64: numpy says "l" on LP64) and "d".
_SAME_LAYOUT = {"q": ("q", "l"), "d": ("d",)}


def _packed(typecode: str, values: Iterable[float] | Iterable[int]) -> array[Any]:
    """A packed copy of ``values``: in one block from a matching buffer, else value by value."""
    try:
        view = memoryview(values)  # type: ignore[arg-type]
    except TypeError:
        view = None
    if (
        view is not None
        and view.ndim == 1
        and view.format in _SAME_LAYOUT[typecode]
        and view.itemsize == 8
        and view.c_contiguous
    ):
        out = array(typecode)
        out.frombytes(view.cast("B"))
        return out
    convert = int if typecode == "q" else float
    return array(typecode, map(convert, values))


def _frozen(instrument_id: str, ts_ns: array[Any], *columns: array[Any]) -> BarSeries:
    series = object.__new__(BarSeries)
    object.__setattr__(series, "instrument_id", instrument_id)
    for name, column in zip(("ts_ns", *BAR_FIELDS), (ts_ns, *columns), strict=True):
        object.__setattr__(series, name, memoryview(column).toreadonly())
    return series


def _unpickle(instrument_id: str, *blobs: bytes) -> BarSeries:
    arrays = []
    for typecode, blob in zip("qddddd", blobs, strict=True):
        column = array(typecode)
        column.frombytes(blob)
        arrays.append(column)
    return _frozen(instrument_id, *arrays)


def _too_large(name: str, value: float) -> str:
    return f"{name} is {value:g}, too large to compute with (at most {MAX_BAR_VALUE:g})"


def _all_valid(stamps: Sequence[int], columns: Mapping[str, Sequence[float]]) -> bool:
    """Every rule of :func:`_validate` at once, in C-speed builtins (no Python code per bar).

    Comparisons with NaN are false, so a NaN anywhere fails one of these; then :func:`_validate`
    walks the bars to name the first broken rule.
    """
    o, h, lo, c, v = (columns[name] for name in BAR_FIELDS)
    if not stamps:
        return True
    for prices in (o, h, lo, c):
        if not (min(prices) > 0 and max(prices) <= MAX_BAR_VALUE) or not all(
            map(math.isfinite, prices)
        ):
            return False
    if not (min(v) >= 0 and max(v) <= MAX_BAR_VALUE and all(map(math.isfinite, v))):
        return False
    return (
        all(map(operator.le, lo, o))
        and all(map(operator.le, lo, c))
        and all(map(operator.ge, h, o))
        and all(map(operator.ge, h, c))
        and all(map(operator.lt, stamps, itertools.islice(stamps, 1, None)))
    )


def _validate(
    instrument_id: str,
    stamps: Sequence[int],
    columns: Mapping[str, Sequence[float]],
    source: str | None,
    row_numbers: Sequence[int] | None,
) -> None:
    if _all_valid(stamps, columns):
        return
    label = source or instrument_id
    o, h, lo, c, v = (columns[name] for name in BAR_FIELDS)
    previous: int | None = None
    for i, ts in enumerate(stamps):
        row = row_numbers[i] if row_numbers is not None else i + 1

        def fail(message: str, field: str, row: int = row) -> DataValidationError:
            return DataValidationError(message, source=label, row=row, field=field)

        for name, value in (("open", o[i]), ("high", h[i]), ("low", lo[i]), ("close", c[i])):
            if not math.isfinite(value):
                raise fail(f"{name} is {value}, not a finite number", name)
            if value <= 0:
                raise fail(f"{name} is {value}; prices must be positive", name)
            if value > MAX_BAR_VALUE:
                raise fail(_too_large(name, value), name)
        if not math.isfinite(v[i]) or v[i] < 0:
            raise fail(f"volume is {v[i]}; it must be a finite number >= 0", "volume")
        if v[i] > MAX_BAR_VALUE:
            raise fail(_too_large("volume", v[i]), "volume")
        if h[i] < lo[i]:
            raise fail(f"high {h[i]} is below low {lo[i]}", "high")
        if h[i] < max(o[i], c[i]):
            raise fail(f"high {h[i]} is below max(open, close) = {max(o[i], c[i])}", "high")
        if lo[i] > min(o[i], c[i]):
            raise fail(f"low {lo[i]} is above min(open, close) = {min(o[i], c[i])}", "low")
        if previous is not None and ts <= previous:
            kind = "duplicates" if ts == previous else "is earlier than"
            raise fail(
                f"timestamp {from_ns(ts).isoformat()} {kind} the previous row's "
                f"{from_ns(previous).isoformat()}; timestamps must strictly increase",
                "timestamp",
            )
        previous = ts


class MarketData:
    """The bars (and corporate actions) a run trades on, keyed by instrument id.

    A dataset may declare its ``calendar`` (an exchange-calendars code, e.g. ``XNYS``) and its
    ``known_gaps``: sessions (UTC ns) an instrument is known to have no bar for (a halt), which
    the missing-data check accepts as gaps. Neither is part of the snapshot id.
    """

    __slots__ = (
        "_bars",
        "_instruments",
        "_snapshot_id",
        "calendar",
        "corporate_actions",
        "known_gaps",
        "name",
    )

    def __init__(
        self,
        instruments: Iterable[Instrument],
        bars: Iterable[BarSeries],
        corporate_actions: Iterable[CorporateAction] = (),
        *,
        name: str = "dataset",
        calendar: str | None = None,
        known_gaps: Mapping[str, Iterable[int]] | None = None,
    ) -> None:
        instrument_list = list(instruments)
        series_list = list(bars)
        for kind, ids in (
            ("instrument", [i.id for i in instrument_list]),
            ("bar series", [s.instrument_id for s in series_list]),
        ):
            repeated = sorted(iid for iid, n in Counter(ids).items() if n > 1)
            if repeated:
                raise DataValidationError(
                    f"more than one {kind} for {', '.join(repeated)}", source=name
                )
        self._instruments = {i.id: i for i in instrument_list}
        self._bars = {s.instrument_id: s for s in series_list}
        missing = sorted(set(self._bars) ^ set(self._instruments))
        if missing:
            raise DataValidationError(
                f"instruments and bar series do not match: {', '.join(missing)}", source=name
            )
        self.corporate_actions: tuple[CorporateAction, ...] = tuple(corporate_actions)
        unknown = sorted({a.instrument_id for a in self.corporate_actions} - set(self._bars))
        if unknown:
            raise DataValidationError(
                f"corporate actions name unknown instruments: {', '.join(unknown)}", source=name
            )
        self.name = name
        self.calendar = calendar
        gaps = {iid: tuple(sorted(ts)) for iid, ts in (known_gaps or {}).items()}
        strange = sorted(set(gaps) - set(self._bars))
        if strange:
            raise DataValidationError(
                f"known gaps name unknown instruments: {', '.join(strange)}", source=name
            )
        self.known_gaps: Mapping[str, tuple[int, ...]] = gaps
        self._snapshot_id: str | None = None

    @property
    def instrument_ids(self) -> tuple[str, ...]:
        """Instrument ids in the order they were given."""
        return tuple(self._bars)

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        """Instruments by id."""
        return dict(self._instruments)

    def bars(self, instrument_id: str) -> BarSeries:
        """The bar series of one instrument."""
        return self._bars[instrument_id]

    def __iter__(self) -> Iterator[BarSeries]:
        return iter(self._bars.values())

    @property
    def bar_count(self) -> int:
        """Total bars across instruments."""
        return sum(len(s) for s in self._bars.values())

    def between(self, start: date | None, end: date | None) -> MarketData:
        """The same data restricted to ``start <= session date <= end`` (inclusive, UTC)."""
        start_ns = None if start is None else to_ns(start)
        end_ns = None if end is None else to_ns(end) + 86_400 * 10**9 - 1
        return MarketData(
            self._instruments.values(),
            (s.between(start_ns, end_ns) for s in self._bars.values()),
            self.corporate_actions,
            name=self.name,
            calendar=self.calendar,
            known_gaps=self.known_gaps,
        )

    def canonical_bytes(self) -> bytes:
        """A byte form independent of how the data was loaded; its sha256 is the snapshot id.

        Per instrument (sorted by id): the instrument's JSON, the bar count, then each column as
        little-endian int64 (``ts_ns``) or IEEE float64 values; then the corporate actions' JSON.
        Binary, so hashing a large dataset builds no text.
        """
        return b"".join(self._canonical_parts())

    def _canonical_parts(self) -> Iterator[bytes]:
        yield _SNAPSHOT_FORMAT
        for iid in sorted(self._bars):
            yield self._instruments[iid].model_dump_json().encode() + b"\n"
            s = self._bars[iid]
            yield len(s).to_bytes(8, "little")
            for column in (s.ts_ns, s.open, s.high, s.low, s.close, s.volume):
                yield _little_endian(column)
        for a in sorted(self.corporate_actions, key=lambda a: (a.instrument_id, a.ex_date, a.kind)):
            yield a.model_dump_json().encode() + b"\n"

    def snapshot_id(self) -> str:
        """sha256 (hex) of :meth:`canonical_bytes`; computed once, as the data never changes."""
        if self._snapshot_id is None:
            digest = hashlib.sha256()
            for part in self._canonical_parts():
                digest.update(part)
            self._snapshot_id = digest.hexdigest()
        return self._snapshot_id


    def legacy_snapshot_id(self) -> str:
        """The snapshot id in the text form used before result schema 2 (one line per bar).

        Only for verifying data recorded before then (registries keep such ids); it builds a line
        of text per bar, which :meth:`snapshot_id` avoids. Hashed in chunks, so memory stays flat.
        """
        digest = hashlib.sha256()
        first = True
        for iid in sorted(self._bars):
            lines = [self._instruments[iid].model_dump_json()]
            s = self._bars[iid]
            rows = zip(s.ts_ns, s.open, s.high, s.low, s.close, s.volume, strict=True)
            for t, o, h, lo, c, v in rows:
                lines.append(f"{t},{o!r},{h!r},{lo!r},{c!r},{v!r}")
                if len(lines) >= 65_536:
                    digest.update((("" if first else "\n") + "\n".join(lines)).encode())
                    first, lines = False, []
            if lines:
                digest.update((("" if first else "\n") + "\n".join(lines)).encode())
                first = False
        for a in sorted(self.corporate_actions, key=lambda a: (a.instrument_id, a.ex_date, a.kind)):
            digest.update((("" if first else "\n") + a.model_dump_json()).encode())
            first = False
        return digest.hexdigest()


# Names the canonical form, so a change of form can never collide with an older snapshot id.
_SNAPSHOT_FORMAT = b"finbot-market-data/2\n"


def _little_endian(values: memoryview[int] | memoryview[float]) -> bytes:
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array(values.format, values)
    swapped.byteswap()
    return swapped.tobytes()
