"""How many of a run's orders were rejected, and why: for the summary and ``--json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from finbot.contracts import END_OF_DATA, BacktestResult, OrderStatus

TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Rejections:
    """Rejected orders of a run: how many, of how many placed, and the commonest reasons."""

    count: int
    orders: int
    top_reasons: tuple[tuple[str, int], ...]
    all_rejected: bool

    def as_json(self) -> dict[str, object]:
        """The ``rejections`` object of the JSON summary."""
        return {
            "count": self.count,
            "all_rejected": self.all_rejected,
            "top_reasons": [{"reason": r, "count": n} for r, n in self.top_reasons],
        }

    def text(self) -> str:
        """One line: the count and the top reasons."""
        reasons = ", ".join(f"{r} ({n})" for r, n in self.top_reasons)
        head = f"{self.count} of {self.orders} orders rejected"
        return f"{head}: {reasons}" if reasons else head


def rejections(result: BacktestResult) -> Rejections:
    """Count the rejected orders; ``all_rejected`` when every order the engine saw was rejected.

    Orders placed on the last step never reach an engine (canceled, ``end of data``), so they do
    not count as orders the engine could have rejected.
    """
    reasons = Counter(
        o.reason or "no reason given" for o in result.orders if o.status is OrderStatus.REJECTED
    )
    unrouted = sum(
        1 for o in result.orders if o.status is OrderStatus.CANCELED and o.reason == END_OF_DATA
    )
    count = sum(reasons.values())
    routed = len(result.orders) - unrouted
    return Rejections(
        count=count,
        orders=len(result.orders),
        top_reasons=tuple(reasons.most_common(TOP_REASONS)),
        all_rejected=count > 0 and count == routed,
    )
