"""Cost model and fill policy: the trading frictions every engine must apply the same way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat

from ._orders import OrderSide


class FillPolicy(StrEnum):
    """When, and at what price, a market order submitted while handling bar t fills.

    ``next_open``: at bar t+1's open (Backtrader's default; no look-ahead).
    ``this_close``: at bar t's close (Backtrader's cheat-on-close, Nautilus's bars-only default).
    """

    NEXT_OPEN = "next_open"
    THIS_CLOSE = "this_close"


class CommissionRounding(StrEnum):
    """How a fill's commission is rounded before it reaches cash."""

    NONE = "none"
    CENT = "cent"


class CostModel(BaseModel):
    """Commission and slippage per fill, with explicit units.

    Commission = max(``commission_minimum``, notional * ``commission_bps`` / 10_000 +
    quantity * ``commission_per_share``), then rounded per ``rounding`` (half up, to 0.01).
    Slippage moves market and stop fill prices against the trader by ``slippage_bps``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commission_bps: NonNegativeFloat = Field(default=0.0, description="basis points of notional")
    commission_per_share: NonNegativeFloat = Field(default=0.0, description="currency per unit")
    commission_minimum: NonNegativeFloat = Field(default=0.0, description="currency per fill")
    slippage_bps: NonNegativeFloat = Field(default=0.0, description="basis points of price")
    rounding: CommissionRounding = CommissionRounding.CENT

    def commission(self, quantity: float, price: float) -> float:
        """Commission for one fill of ``quantity`` units at ``price``."""
        raw = abs(quantity) * price * self.commission_bps / 10_000.0
        raw += abs(quantity) * self.commission_per_share
        if raw == 0.0:
            return 0.0
        raw = max(raw, self.commission_minimum)
        if self.rounding is CommissionRounding.CENT:
            # Decimal(repr) rounds the printed value, so 0.005 is a half cent, not 0.00499...
            return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        return raw

    def slipped_price(self, side: OrderSide, price: float) -> float:
        """The price a market or stop order fills at, given the reference price."""
        if self.slippage_bps == 0.0:
            return price
        return price * (1.0 + side.sign * self.slippage_bps / 10_000.0)
