"""``CostBreakdown``: a run's trading costs, one total per kind, in the account currency."""

from __future__ import annotations

import math
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from ._orders import Fill

COST_KINDS = ("commission", "spread", "slippage", "impact", "borrow", "funding")


class CostBreakdown(BaseModel):
    """What the run paid, each kind a separate total (currency; positive = paid).

    ``commission``, ``spread``, ``slippage`` and ``impact`` are sums over the fills (the fills
    carry each amount). ``borrow`` (shorts, an annual rate accrued daily) and ``funding`` (interest
    on negative cash) accrue with time, not per fill: the ledger's accruals fill them in; a run
    without shorts or negative cash has 0.0.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commission: float = Field(default=0.0, description="broker fees")
    spread: float = Field(default=0.0, description="half the quoted spread paid by fills")
    slippage: float = Field(default=0.0, description="fixed-bps and volume-share slippage")
    impact: float = Field(default=0.0, description="square-root market impact")
    borrow: float = Field(default=0.0, description="borrow fees on short positions")
    funding: float = Field(default=0.0, description="interest paid on negative cash")

    @property
    def total(self) -> float:
        """Every kind together."""
        return math.fsum(getattr(self, kind) for kind in COST_KINDS)

    @classmethod
    def of_fills(
        cls, fills: Iterable[Fill], *, borrow: float = 0.0, funding: float = 0.0
    ) -> CostBreakdown:
        """The per-fill kinds summed (``math.fsum``: independent of the fills' order)."""
        listed = list(fills)
        return cls(
            commission=math.fsum(f.commission for f in listed),
            spread=math.fsum(f.spread for f in listed),
            slippage=math.fsum(f.slippage for f in listed),
            impact=math.fsum(f.impact for f in listed),
            borrow=borrow,
            funding=funding,
        )
