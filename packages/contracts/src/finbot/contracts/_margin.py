"""The account a run trades on (cash or margin) and the rule that decides which fills may open.

Every engine applies :class:`MarginRule` the same way (docs/adr/0022): the simulated broker calls
it directly, the Backtrader adapter from its broker subclass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, model_validator

from ._orders import OrderRequest, OrderSide

INSUFFICIENT_CASH = "insufficient cash"
INSUFFICIENT_MARGIN = "insufficient margin"
SHORT_ON_CASH_ACCOUNT = "a cash account cannot sell short (use a margin account)"
_EPS = 1e-9


class AccountKind(StrEnum):
    """What the account lets a run do beyond its cash."""

    CASH = "cash"  # no short positions, cash never below zero
    MARGIN = "margin"  # shorts and borrowing, up to the initial margin
    # Shorts of any size, cash never below zero: what Backtrader's stock-like broker does and
    # what finbot's engines did before accounts existed. Results stored before then are read
    # with it so they rerun as they ran; new runs should pick cash or margin.
    UNCHECKED = "unchecked"


class AccountModel(BaseModel):
    """The run's account: its kind, the margin it needs, and what financing costs.

    On a ``margin`` account a fill that opens or grows a position must leave
    ``equity >= initial_margin * gross_exposure`` (Reg T's 50% by default), with positions valued
    at the fill price (the traded instrument) and the latest closes (the others). Shorts pay
    ``borrow_rate`` a year on their market value and negative cash pays ``funding_rate`` a year,
    both accrued per calendar day held over (``rate * days / day_count``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AccountKind = AccountKind.CASH
    initial_margin: float = Field(
        default=0.5, gt=0.0, le=1.0, description="fraction of gross exposure equity must cover"
    )
    borrow_rate: NonNegativeFloat = Field(
        default=0.0, description="annual fraction of the short market value (0.03 = 3%)"
    )
    funding_rate: NonNegativeFloat = Field(
        default=0.0, description="annual fraction of negative cash (margin interest)"
    )
    day_count: Literal[360, 365] = Field(default=360, description="days in the rates' year")

    @model_validator(mode="after")
    def _rates_need_margin(self) -> AccountModel:
        if self.kind is not AccountKind.MARGIN and (self.borrow_rate or self.funding_rate):
            raise ValueError(
                "borrow_rate and funding_rate need kind 'margin': only a margin account "
                "borrows shares or cash"
            )
        return self

    @property
    def margin(self) -> bool:
        """Whether shorts and negative cash are allowed."""
        return self.kind is AccountKind.MARGIN

    def describe(self) -> str:
        """One line stating the account's assumptions."""
        if self.kind is AccountKind.CASH:
            return "cash account (no shorts, no borrowing)"
        if self.kind is AccountKind.UNCHECKED:
            return "unchecked account (shorts of any size, no borrowing, no borrow cost)"
        return (
            f"margin account (initial margin {self.initial_margin:.0%}, borrow "
            f"{self.borrow_rate:.2%}/yr, funding {self.funding_rate:.2%}/yr, "
            f"ACT/{self.day_count})"
        )


Holdings = Iterable[tuple[float, float]]
"""(signed quantity, price) of the positions in the other instruments."""


class MarginRule:
    """Whether a fill may happen on the account: plain floats, for the per-fill hot path.

    A cash account refuses a sell beyond the position and a buy that leaves cash below zero; an
    unchecked one only the latter (and a short that would, Backtrader's rule). A margin account
    checks only fills that open or grow a position (covering never needs margin).
    """

    __slots__ = ("initial", "margin", "shorts")

    def __init__(self, model: AccountModel) -> None:
        self.margin = model.margin
        self.shorts = model.kind is not AccountKind.CASH
        self.initial = model.initial_margin

    def refusal(
        self,
        buy: bool,
        quantity: float,
        position: float,
        cash_after: float,
        price: float,
        others: Callable[[], Holdings],
    ) -> str | None:
        """Why a fill of ``quantity`` at ``price`` is refused, or None.

        Args:
            buy: the fill's side.
            quantity: units filled (unsigned).
            position: the instrument's signed position before the fill.
            cash_after: cash after the fill and its commission.
            price: the fill price (the traded instrument is valued at it).
            others: the other instruments' positions and latest closes, asked for only when a
                margin account must value the whole book.
        """
        after = position + quantity if buy else position - quantity
        if not self.margin:
            opens = after > _EPS if buy else after < -_EPS
            if not buy and opens and not self.shorts:
                return SHORT_ON_CASH_ACCOUNT
            return INSUFFICIENT_CASH if opens and cash_after < 0.0 else None
        if not (after > _EPS if buy else after < -_EPS):
            return None  # it only reduces (or closes) a position
        equity = cash_after + after * price
        gross = abs(after) * price
        for qty, px in others():
            equity += qty * px
            gross += abs(qty) * px
        if equity < self.initial * gross * (1.0 - 1e-12):
            return INSUFFICIENT_MARGIN
        return None

    def accept(
        self,
        orders: Sequence[tuple[OrderRequest, float]],
        cash: float,
        position: Callable[[str], float],
        close: Callable[[str], float | None],
        instruments: Iterable[str],
        commission: Callable[[float, float], float],
    ) -> list[str | None]:
        """A margin account's check of new orders, each at its created price, in order.

        Each accepted order's cash and position carry to the next one (as if it filled at that
        price); a refused one carries nothing.

        Returns:
            Per order, why it is refused, or None.
        """
        held = {iid: position(iid) for iid in instruments}
        verdicts: list[str | None] = []
        for request, price in orders:
            iid = request.instrument_id
            buy = request.side is OrderSide.BUY
            qty = request.quantity
            after = cash - (qty * price if buy else -qty * price) - commission(qty, price)

            def others(iid: str = iid) -> Holdings:
                return (
                    (q, close(j) or 0.0) for j, q in held.items() if q and j != iid
                )

            why = self.refusal(buy, qty, held[iid], after, price, others)
            verdicts.append(why)
            if why is None:
                cash = after
                held[iid] += qty if buy else -qty
        return verdicts
