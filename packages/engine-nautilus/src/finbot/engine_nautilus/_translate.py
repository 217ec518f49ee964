"""Contract <-> Nautilus translation: instruments, bars and open ticks, prices and quantities.

Time: a contract bar is stamped at its open. Nautilus treats a bar as known at its timestamp and
fills against it then, so each bar goes in stamped at its close (open + the run's bar interval
- 1 ns), preceded by one trade tick at its open price stamped at the open: market orders then
fill at the open tick (next open) or at the bar's close (this close), never on unseen prices.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from itertools import chain, pairwise

from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar as NtBar
from nautilus_trader.model.data import BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TradeId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Currency, Price, Quantity

from finbot.contracts import BarSeries, ConfigError, Instrument

VENUE = Venue("FINBOT")
NANOS_PER_DAY = 86_400 * 1_000_000_000
# Nautilus prices are fixed-point with at most 16 decimals; 15 keeps values up to ~1e13 exact.
MAX_PRICE_DECIMALS = 15
# Every bar and open tick offers this much: Nautilus's bar matching offers volume / 4 per price
# and fills any excess one tick worse, which the contract (unlimited liquidity) does not do.
LIQUIDITY = 10**12
_EARLIEST = NANOS_PER_DAY
# Only a value below _MORE_DECIMALS_BELOW[d] can print with more than d decimals: 17 significant
# digits at most, and at least 17 - d of them before the point from 10**(16 - d) up.
_MORE_DECIMALS_BELOW = tuple(float(10 ** (16 - d)) for d in range(MAX_PRICE_DECIMALS + 1))


def decimals(value: float) -> int:
    """Digits after the point in the shortest repr of ``value`` (0.1 -> 1, 55.25 -> 2)."""
    text = repr(value)
    if "e" in text or "E" in text:
        exponent = Decimal(text).as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0
    point = text.find(".")
    if point < 0:
        return 0
    return 0 if text.endswith(".0") else len(text) - point - 1


def price_precision(instrument: Instrument, series: BarSeries) -> int:
    """Decimals that represent every price of the series and the tick size exactly (capped).

    The same number as the largest ``decimals`` of all prices, found without printing most of
    them: a repr has at most 17 significant digits, so a price at or above ``10**(16 - d)`` has
    at most ``d`` decimals and cannot raise a maximum that is already ``d``. Once one price shows
    the most decimals its magnitude allows, only smaller prices are still looked at.
    """
    digits = min(decimals(instrument.price_increment), MAX_PRICE_DECIMALS)
    for column in (series.open, series.high, series.low, series.close):
        if digits == MAX_PRICE_DECIMALS:
            break
        digits = _max_decimals(column, digits)
    return digits


def _max_decimals(values: Sequence[float], digits: int) -> int:
    """``max(digits, *map(decimals, values))``, capped at ``MAX_PRICE_DECIMALS``."""
    below = _MORE_DECIMALS_BELOW[digits]
    for value in values:
        if value < below:
            found = decimals(value)
            if found > digits:
                digits = min(found, MAX_PRICE_DECIMALS)
                if digits == MAX_PRICE_DECIMALS:
                    break
                below = _MORE_DECIMALS_BELOW[digits]
    return digits


def currency(code: str) -> Currency:
    """Nautilus's currency for an ISO code."""
    if code == "USD":
        return USD
    try:
        return Currency.from_str(code)
    except Exception as exc:  # Nautilus raises ValueError or KeyError depending on the code
        raise ConfigError(f"currency {code!r} is not known to NautilusTrader") from exc


def equity(instrument: Instrument, precision: int) -> Equity:
    """A Nautilus ``Equity`` for a contract instrument (whole-unit lots only)."""
    lot = instrument.lot_size
    if lot != int(lot):
        raise ConfigError(
            f"instrument {instrument.id}: lot_size {lot} is fractional; the Nautilus adapter "
            "trades whole units only"
        )
    return Equity(
        instrument_id=InstrumentId(Symbol(instrument.id), VENUE),
        raw_symbol=Symbol(instrument.id),
        currency=currency(instrument.currency),
        price_precision=precision,
        price_increment=Price(10.0**-precision, precision),
        lot_size=Quantity.from_int(int(lot)),
        ts_event=0,
        ts_init=0,
    )


def bar_type(instrument_id: InstrumentId, interval_ns: int) -> BarType:
    """An EXTERNAL last-price bar type whose step is the run's bar interval."""
    if interval_ns % NANOS_PER_DAY == 0:
        spec = f"{interval_ns // NANOS_PER_DAY}-DAY"
    elif interval_ns % 60_000_000_000 == 0:
        spec = f"{interval_ns // 60_000_000_000}-MINUTE"
    elif interval_ns % 1_000_000_000 == 0:
        spec = f"{interval_ns // 1_000_000_000}-SECOND"
    else:
        spec = f"{interval_ns // 1_000_000}-MILLISECOND"
    return BarType.from_str(f"{instrument_id}-{spec}-LAST-EXTERNAL")


def bar_interval(timeline: Sequence[int]) -> int:
    """The run's bar interval: the smallest gap between steps (one day for a single step).

    One interval for the whole run, not one per series, so every bar of a step closes before the
    next step opens, whichever instruments trade.
    """
    gaps = (b - a for a, b in pairwise(timeline))
    return min(gaps, default=NANOS_PER_DAY)


def time_shift(timeline: Sequence[int]) -> int:
    """Nanoseconds added to every instant Nautilus sees, so none is before 1970.

    Nautilus stamps are unsigned; contract instants may be earlier (a century of daily bars).
    Only the order of Nautilus's stamps matters: fills are labelled from the contract's bars.
    """
    first = timeline[0] if timeline else _EARLIEST
    # Whole days, landing on or after 1970-01-02: Nautilus crashed (double free) with data at 0.
    if first >= _EARLIEST:
        return 0
    return -((first - _EARLIEST) // NANOS_PER_DAY) * NANOS_PER_DAY


def per_step(timeline: Sequence[int], stamps: list[Sequence[int]]) -> list[int]:
    """How many of the instants in ``stamps`` fall on each step of the timeline."""
    if len(stamps) == 1 and len(stamps[0]) == len(timeline):
        return [1] * len(timeline)  # one series with a bar on every step
    on = Counter(chain.from_iterable(stamps))
    return list(map(on.__getitem__, timeline))


def missing_steps(timeline: Sequence[int], stamps: Sequence[int]) -> list[int]:
    """The steps after the series' first bar on which it has no bar (it misses a session)."""
    if not stamps:
        return []
    have = set(stamps)
    first = stamps[0]
    return [ts for ts in timeline if ts > first and ts not in have]


def feed(
    series: BarSeries,
    instrument_id: InstrumentId,
    kind: BarType,
    precision: int,
    interval: int,
    shift: int = 0,
    missing: Sequence[int] = (),
) -> list[NtBar | TradeTick]:
    """The series as Nautilus data: an open trade tick, then the bar stamped at its close.

    On each ``missing`` step the instrument gets one trade tick at its previous close, stamped at
    the step's open, so its market stands exactly there (a fill inside the previous bar can leave
    Nautilus's book elsewhere) when the adapter fills an order against that bar (ADR 0003 quirk).
    """
    out: list[NtBar | TradeTick] = []
    size = Quantity(LIQUIDITY, 0)
    close_offset = interval - 1
    stamps = series.ts_ns
    for j, ts in enumerate(missing):
        before = series.close[bisect_right(stamps, ts) - 1]
        out.append(
            TradeTick(
                instrument_id,
                Price(before, precision),
                size,
                AggressorSide.NO_AGGRESSOR,
                TradeId(f"missing-{j}"),
                ts + shift,
                ts + shift,
            )
        )
    for i, (opened, o, h, lo, c) in enumerate(
        zip(series.ts_ns, series.open, series.high, series.low, series.close, strict=True)
    ):
        ts = opened + shift
        open_price = Price(o, precision)
        out.append(
            TradeTick(
                instrument_id,
                open_price,
                size,
                AggressorSide.NO_AGGRESSOR,
                TradeId(f"{i}"),
                ts,
                ts,
            )
        )
        stamp = ts + close_offset
        out.append(
            NtBar(
                kind,
                open_price,
                Price(h, precision),
                Price(lo, precision),
                Price(c, precision),
                size,
                stamp,
                stamp,
            )
        )
    return out


def quantity(value: float) -> Quantity | None:
    """A whole-unit Nautilus quantity, or None when ``value`` is not a whole number."""
    if value != int(value):
        return None
    return Quantity(int(value), 0)
