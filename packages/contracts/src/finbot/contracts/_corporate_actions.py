"""``ActionSchedule``: when a run's splits and cash dividends reach its books, one rule for all.

A split or a dividend takes effect at its ex-date: on the first event of its instrument stamped
at or after the ex-date's 00:00 UTC, which is either a fill priced on such a bar or the step that
brings such a bar. So a fill priced before the ex-date (an order filled at the close of the bar
before it) books in old shares first, and one priced at the ex-date open books in new shares.
A split multiplies the position by its ratio and divides its lots' prices (equity unchanged);
a dividend entitles the position held at that moment (a short owes it) and pays at the pay date.
Every engine's books follow this one schedule: the runner's ledger, and the adapters mirror it
into their engine's own account (docs/adr/0023).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ._market import CashDividend, CorporateAction, Split
from ._time import to_ns


class ActionBooks(Protocol):
    """What the schedule changes: one set of books (the runner's ledger, or an engine's account)."""

    def held(self, instrument_id: str) -> float:
        """The signed position in an instrument."""
        ...

    def split(self, instrument_id: str, ratio: float) -> None:
        """Multiply the position by ``ratio`` and divide its entry prices by it."""
        ...

    def credit(self, amount: float) -> None:
        """Add ``amount`` (negative: a debit) to cash."""
        ...


@dataclass(frozen=True, slots=True)
class AppliedAction:
    """One action as it reached the books: ``held`` is the position it applied to.

    ``cash`` is the dividend owed (``held * amount``, negative for a short), 0.0 for a split;
    ``pay_ns`` the step it is paid at or after.
    """

    ts_ns: int
    action: CorporateAction
    held: float
    cash: float
    pay_ns: int


class ActionSchedule:
    """The actions still ahead of a run, per instrument in ex-date order, and dividends owed."""

    __slots__ = ("_ahead", "_owed", "applied", "paid")

    def __init__(self, actions: Iterable[CorporateAction]) -> None:
        ahead: dict[str, list[tuple[int, CorporateAction]]] = {}
        # Splits before dividends on one ex-date: a dividend is declared per post-split share.
        ordered = sorted(actions, key=lambda a: (a.ex_date, isinstance(a, CashDividend)))
        for action in ordered:
            ahead.setdefault(action.instrument_id, []).append((to_ns(action.ex_date), action))
        for queue in ahead.values():
            queue.reverse()  # the next action is popped from the end
        self._ahead = ahead
        self._owed: list[AppliedAction] = []
        self.applied: list[AppliedAction] = []
        self.paid: list[AppliedAction] = []

    def __bool__(self) -> bool:
        return bool(self._ahead or self._owed)

    def reach(self, instrument_id: str, ts_ns: int, books: ActionBooks) -> None:
        """Apply the instrument's actions going ex at or before ``ts_ns`` (a bar's stamp)."""
        queue = self._ahead.get(instrument_id)
        while queue and queue[-1][0] <= ts_ns:
            _, action = queue.pop()
            held = books.held(instrument_id)
            if isinstance(action, Split):
                books.split(instrument_id, action.ratio)
                done = AppliedAction(ts_ns, action, held, 0.0, ts_ns)
            else:
                pay = ts_ns if action.pay_date is None else max(ts_ns, to_ns(action.pay_date))
                done = AppliedAction(ts_ns, action, held, held * action.amount, pay)
                if done.cash:
                    self._owed.append(done)
            self.applied.append(done)
        if queue is not None and not queue:
            del self._ahead[instrument_id]

    def pay(self, ts_ns: int, books: ActionBooks) -> None:
        """Credit (or debit) the dividends payable at or before the step ``ts_ns``."""
        if not self._owed:
            return
        due = [d for d in self._owed if d.pay_ns <= ts_ns]
        if due:
            self._owed = [d for d in self._owed if d.pay_ns > ts_ns]
            for d in due:
                books.credit(d.cash)
                self.paid.append(d)

    @property
    def owed(self) -> tuple[AppliedAction, ...]:
        """Dividends entitled but not paid yet (their pay date lies after the last step)."""
        return tuple(self._owed)
