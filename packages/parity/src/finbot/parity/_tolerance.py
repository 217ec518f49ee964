"""The parity tolerances; each value is justified in docs/parity-tolerance-spec.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ParityTolerance:
    """How far two engines' results may differ and still count as agreeing.

    Order and fill sequences must match exactly in instrument, side, type, quantity and
    timestamp; prices and amounts may differ only by floating-point noise.
    """

    fill_price_rel: float = 1e-9
    commission_abs: float = 1e-9
    final_equity_bp: float = 0.01
    daily_equity_bp: float = 0.1
    metric_rel: float = 1e-6

    def metric_within(self, left: float | None, right: float | None) -> bool:
        """True when two metric values agree (both undefined also agrees)."""
        if left is None or right is None:
            return left is None and right is None
        return abs(left - right) <= self.metric_rel * max(1.0, abs(left), abs(right))


EXACT = ParityTolerance(
    fill_price_rel=0.0, commission_abs=0.0, final_equity_bp=0.0, daily_equity_bp=0.0, metric_rel=0.0
)
