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
    """The n-th fill of one decision on both engines; a missing side is ``None``.

    ``order_id`` is the left engine's id of the order (the right's when only it filled one).
    """

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
    """Every fill of two runs of one config, paired by the strategy decision they execute."""

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
    """Pair the fills of two results that execute the same decision of the strategy.

    A decision is an order's instrument, side and submission step (the k-th such order, if a step
    places several), so fills are paired even after the engines' paths diverge and their order
    ids stop naming the same orders; the n-th fill of a decision pairs with the n-th on the other
    side. Fills of decisions only one engine made are listed as fills of that engine only.
    """
    slots: dict[tuple[object, ...], list[list[Fill | None]]] = {}
    names: dict[tuple[object, ...], str] = {}
    for side, result in enumerate((left, right)):
        keys: dict[str, tuple[object, ...]] = {}
        count: dict[tuple[object, ...], int] = defaultdict(int)
        for order in result.orders:
            decision = (order.request.instrument_id, order.request.side, order.submitted_ts_ns)
            keys[order.order_id] = (*decision, count[decision])
            count[decision] += 1
        seen: dict[str, int] = defaultdict(int)
        for fill in result.fills:
            key = keys.get(fill.order_id, (fill.order_id,))
            n = seen[fill.order_id]
            seen[fill.order_id] += 1
            names.setdefault(key, fill.order_id)
            pairs = slots.setdefault(key, [])
            while len(pairs) <= n:
                pairs.append([None, None])
            pairs[n][side] = fill
    ordered = sorted(slots, key=lambda k: min(f.ts_ns for p in slots[k] for f in p if f))
    return FillDifferenceReport(
        left.engine.name,
        right.engine.name,
        tuple(
            FillDifference(names[key], n, a, b)
            for key in ordered
            for n, (a, b) in enumerate(slots[key])
        ),
    )
