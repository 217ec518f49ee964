"""Per-fill differences between two engines that are not expected to agree (a measurement).

Native Nautilus decides fills with its own models, so its parity with Backtrader is a report of
how far each fill moved, in basis points, never a pass/fail gate (issue 12).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from finbot.contracts import BacktestResult, Fill


@dataclass(frozen=True, slots=True)
class FillDifference:
    """The n-th fill of one order on both engines; a missing side is ``None``."""

    order_id: str
    sequence: int
    left: Fill | None
    right: Fill | None

    @property
    def price_bp(self) -> float | None:
        """(right price - left price) / left price, in basis points, signed."""
        if self.left is None or self.right is None:
            return None
        return (self.right.price - self.left.price) / self.left.price * 10_000.0

    @property
    def cost_bp(self) -> float | None:
        """The price difference as a cost to the trader: positive when the right side paid more."""
        bp = self.price_bp
        if bp is None or self.left is None:
            return None
        return bp * self.left.side.sign

    @property
    def quantity_difference(self) -> float | None:
        """Right quantity minus left quantity."""
        if self.left is None or self.right is None:
            return None
        return self.right.quantity - self.left.quantity

    @property
    def delay_ns(self) -> int | None:
        """How much later (in bar time) the right side filled."""
        if self.left is None or self.right is None:
            return None
        return self.right.ts_ns - self.left.ts_ns


@dataclass(frozen=True, slots=True)
class FillDifferenceReport:
    """Every fill of two runs of one config, paired by order id and sequence within the order."""

    left_engine: str
    right_engine: str
    fills: tuple[FillDifference, ...]

    @property
    def matched(self) -> tuple[FillDifference, ...]:
        """The fills both engines made."""
        return tuple(d for d in self.fills if d.left is not None and d.right is not None)

    @property
    def only_left(self) -> int:
        """Fills only the left (baseline) engine made."""
        return sum(d.right is None for d in self.fills)

    @property
    def only_right(self) -> int:
        """Fills only the right engine made."""
        return sum(d.left is None for d in self.fills)

    @property
    def mean_abs_price_bp(self) -> float:
        """Mean absolute price difference of the matched fills, bp (0 when none matched)."""
        values = [abs(d.price_bp) for d in self.matched if d.price_bp is not None]
        return math.fsum(values) / len(values) if values else 0.0

    @property
    def max_abs_price_bp(self) -> float:
        """Largest absolute price difference of the matched fills, bp."""
        return max((abs(d.price_bp) for d in self.matched if d.price_bp is not None), default=0.0)

    @property
    def mean_cost_bp(self) -> float:
        """Mean signed cost difference of the matched fills, bp (positive: right paid more)."""
        values = [d.cost_bp for d in self.matched if d.cost_bp is not None]
        return math.fsum(values) / len(values) if values else 0.0


def fill_differences(left: BacktestResult, right: BacktestResult) -> FillDifferenceReport:
    """Pair the fills of two results by order id and their order within that order.

    Order ids are assigned by finbot's runner in submission order, so they name the same order on
    both engines until the strategy's decisions diverge; unpaired fills are counted, not dropped.
    """
    by_order: dict[str, list[list[Fill | None]]] = defaultdict(list)
    for side, result in enumerate((left, right)):
        seen: dict[str, int] = defaultdict(int)
        for fill in result.fills:
            n = seen[fill.order_id]
            seen[fill.order_id] += 1
            slots = by_order[fill.order_id]
            while len(slots) <= n:
                slots.append([None, None])
            slots[n][side] = fill
    pairs = tuple(
        FillDifference(order_id, n, pair[0], pair[1])
        for order_id, slots in by_order.items()
        for n, pair in enumerate(slots)
    )
    return FillDifferenceReport(left.engine.name, right.engine.name, pairs)
