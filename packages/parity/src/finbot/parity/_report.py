"""What a parity comparison found, in a form the CLI prints and writes as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ._tolerance import ParityTolerance


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric on both engines."""

    name: str
    left: float | None
    right: float | None
    within: bool

    @property
    def difference(self) -> float | None:
        """The right value minus the left, when both are defined."""
        if self.left is None or self.right is None:
            return None
        return self.right - self.left


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first place two sequences (orders or fills) differ; ``None`` sides are missing."""

    index: int
    field: str
    left: dict[str, Any] | None
    right: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ParityReport:
    """The comparison of one engine's result (right) against a baseline engine's (left)."""

    left_engine: str
    right_engine: str
    tolerance: ParityTolerance
    metrics: tuple[MetricComparison, ...]
    order_counts: tuple[int, int]
    fill_counts: tuple[int, int]
    first_order_divergence: Divergence | None
    first_fill_divergence: Divergence | None
    max_fill_price_rel: float
    final_equity: tuple[float, float]
    final_equity_gap_bp: float
    max_daily_equity_gap_bp: float
    max_daily_equity_gap_session: str | None
    breaches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing breached the tolerance."""
        return not self.breaches

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``ok`` and each metric's difference included)."""
        out = asdict(self)
        out["ok"] = self.ok
        for row, metric in zip(out["metrics"], self.metrics, strict=True):
            row["difference"] = metric.difference
        return out
