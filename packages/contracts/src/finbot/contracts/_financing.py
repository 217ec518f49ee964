"""``Financing``: borrow fees on shorts and interest on negative cash, accrued per day held over.

Charged by the ledger at the first step of each new UTC day, for the calendar days since the
previous step's day, on the book as it was held over (docs/adr/0022).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._margin import AccountModel
from ._time import NANOS_PER_DAY

if TYPE_CHECKING:
    from ._feed import BarFeed
    from ._ledger import Ledger


class Financing:
    """The account's financing: running totals of borrow and funding charged so far.

    At the first step of a new day, for ``days`` calendar days since the last step's day:

    - borrow = sum over short positions of ``|quantity| * close * borrow_rate * days / day_count``,
      at each instrument's last close before the step;
    - funding = ``max(0, -cash) * funding_rate * days / day_count``.

    The book "held over" is the one after every fill before the step: fills labelled with the
    step itself (at its open or inside its bar) were not held over and are left out. A this-close
    fill of the previous step is labelled with that step and counts.
    """

    __slots__ = ("_booked", "_day", "borrow", "borrow_rate", "day_count", "funding", "funding_rate")

    def __init__(self, account: AccountModel) -> None:
        self.borrow_rate = account.borrow_rate
        self.funding_rate = account.funding_rate
        self.day_count = float(account.day_count)
        self.borrow = 0.0
        self.funding = 0.0
        self._day: int | None = None
        self._booked = 0  # fills already seen at an earlier step

    @classmethod
    def of(cls, account: AccountModel) -> Financing | None:
        """The account's financing, or None when it charges nothing (no rate set)."""
        if account.borrow_rate or account.funding_rate:
            return cls(account)
        return None

    @property
    def total(self) -> float:
        """Borrow and funding charged so far."""
        return self.borrow + self.funding

    def accrue(self, ledger: Ledger, ts_ns: int, feed: BarFeed) -> float:
        """Charge the days since the last step's day to ``ledger.cash``; the amount charged."""
        day = ts_ns // NANOS_PER_DAY
        last, self._day = self._day, day
        fills = ledger.fills
        fresh = fills[self._booked :]
        self._booked = len(fills)
        if last is None or day <= last:
            return 0.0
        cash = ledger.cash
        positions = ledger.positions
        if any(f.ts_ns >= ts_ns for f in fresh):
            positions = dict(positions)
            for f in fresh:
                if f.ts_ns >= ts_ns:  # this step's own fill: not held over
                    signed = f.signed_quantity
                    cash += signed * f.price + f.commission
                    positions[f.instrument_id] = positions.get(f.instrument_id, 0.0) - signed
        years = (day - last) / self.day_count
        borrow = funding = 0.0
        if self.borrow_rate:
            short_value = 0.0
            for iid, qty in positions.items():
                if qty < -1e-12:
                    short_value -= qty * _held_over_close(feed, iid, ts_ns)
            borrow = short_value * self.borrow_rate * years
        if self.funding_rate and cash < 0.0:
            funding = -cash * self.funding_rate * years
        self.borrow += borrow
        self.funding += funding
        ledger.cash -= borrow + funding
        return borrow + funding


def _held_over_close(feed: BarFeed, instrument_id: str, ts_ns: int) -> float:
    """The instrument's last close before step ``ts_ns`` (the feed has already taken the step)."""
    seen = feed.seen[instrument_id]
    if seen and feed.stamps[instrument_id][seen - 1] == ts_ns:
        seen -= 1
    if not seen:
        return 0.0  # no bar before the step: nothing can have been held over
    return float(feed.closes[instrument_id][seen - 1])
