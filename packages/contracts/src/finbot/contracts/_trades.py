"""Round trips from fills: FIFO matching of opening and closing quantity, per instrument."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from ._orders import Fill
from ._result import TradeRecord


@dataclass(slots=True)
class _Lot:
    quantity: float  # signed: >0 long, <0 short
    price: float
    ts_ns: int
    commission_per_unit: float


def build_trades(fills: Iterable[Fill]) -> tuple[TradeRecord, ...]:
    """Match fills first-in first-out into closed round trips.

    A fill's commission is spread over its units, so a fill that closes one lot and opens another
    charges each side its share. Open lots at the end are not trades (they are positions).
    """
    return match_fifo(fills)[0]


def match_fifo(
    fills: Iterable[Fill],
) -> tuple[tuple[TradeRecord, ...], dict[str, tuple[float, float]]]:
    """Closed round trips, and each open position's signed quantity and average entry price."""
    book = FifoBook()
    for fill in fills:
        book.add(fill)
    return tuple(book.trades), book.open_positions()


class FifoBook:
    """Open lots per instrument, matched first-in first-out as fills arrive; closed trades."""

    __slots__ = ("_lots", "trades")

    def __init__(self) -> None:
        self._lots: dict[str, deque[_Lot]] = {}
        self.trades: list[TradeRecord] = []

    def add(self, fill: Fill) -> None:
        """Match a fill against the open lots of its instrument; what is left opens a lot."""
        book = self._lots.setdefault(fill.instrument_id, deque())
        remaining = fill.signed_quantity
        fee_per_unit = fill.commission / fill.quantity if fill.quantity else 0.0
        while remaining and book and (book[0].quantity > 0) != (remaining > 0):
            lot = book[0]
            matched = min(abs(lot.quantity), abs(remaining))
            direction = 1 if lot.quantity > 0 else -1
            gross = direction * matched * (fill.price - lot.price)
            commission = matched * (lot.commission_per_unit + fee_per_unit)
            self.trades.append(
                TradeRecord(
                    instrument_id=fill.instrument_id,
                    direction=direction,
                    quantity=matched,
                    entry_ts_ns=lot.ts_ns,
                    exit_ts_ns=fill.ts_ns,
                    entry_price=lot.price,
                    exit_price=fill.price,
                    gross_pnl=gross,
                    commission=commission,
                    net_pnl=gross - commission,
                )
            )
            lot.quantity -= direction * matched
            remaining += direction * matched
            if abs(lot.quantity) < 1e-12:
                book.popleft()
        if abs(remaining) > 1e-12:
            book.append(_Lot(remaining, fill.price, fill.ts_ns, fee_per_unit))

    def split(self, instrument_id: str, ratio: float) -> None:
        """Restate the open lots in post-split shares: quantity times ``ratio``, prices over it.

        Each lot keeps its cost (quantity x price) and its commission, so the round trips it
        closes later have the P&L they would have had without the split.
        """
        for lot in self._lots.get(instrument_id, ()):
            lot.quantity *= ratio
            lot.price /= ratio
            lot.commission_per_unit /= ratio

    def average_price(self, instrument_id: str) -> float | None:
        """Average entry price of the instrument's open lots, or None when it has none."""
        book = self._lots.get(instrument_id)
        if not book:
            return None
        return _average(book)

    def open_positions(self) -> dict[str, tuple[float, float]]:
        """Each open position's signed quantity and average entry price."""
        return {
            iid: (math.fsum(lot.quantity for lot in book), _average(book))
            for iid, book in self._lots.items()
            if book
        }


def _average(book: deque[_Lot]) -> float:
    return math.fsum(lot.quantity * lot.price for lot in book) / math.fsum(
        lot.quantity for lot in book
    )
