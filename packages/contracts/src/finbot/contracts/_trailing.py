"""Trailing stops kept by the run: a stop order moved after each step as the close moves.

On bar data a trailing stop is re-priced once per step from the latest close, by canceling the
working stop and placing the new one (always basic orders), so every engine executes it the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._orders import OrderSide


@dataclass(slots=True)
class TrailingStop:
    """One trailing stop: its first order's id (its handle) and the stop order working now."""

    handle: str
    instrument_id: str
    side: OrderSide
    quantity: float
    amount: float | None  # trail distance in price units, or
    percent: float | None  # in percent of the close
    order_id: str
    stop: float

    def stop_for(self, close: float) -> float:
        """The stop this close asks for, in whole cents."""
        distance = self.amount if self.amount is not None else close * (self.percent or 0.0) / 100
        price = close - distance if self.side is OrderSide.SELL else close + distance
        return round(price, 2)

    def improves(self, stop: float) -> bool:
        """Whether ``stop`` is tighter than the current one (up for a sell, down for a buy)."""
        return stop > self.stop if self.side is OrderSide.SELL else stop < self.stop
