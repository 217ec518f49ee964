"""Cost model and fill policy: the trading frictions every engine must apply the same way."""

from __future__ import annotations

import math
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
    quantity * ``commission_per_share``), charged only when that sum is non-zero. With ``rounding``
    ``cent`` (the default) it is computed in exact decimal arithmetic on the printed values of the
    inputs and rounded half up to 0.01, so 0.005 -> 0.01 and 1.005 -> 1.01; with ``none`` it is
    the plain float result.
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
        if self.rounding is CommissionRounding.CENT:
            return self._cent_commission(abs(quantity), price)
        raw = abs(quantity) * price * self.commission_bps / 10_000.0
        raw += abs(quantity) * self.commission_per_share
        if raw == 0.0:
            return 0.0
        return max(raw, self.commission_minimum)

    def _cent_commission(self, quantity: float, price: float) -> float:
        # Fast path: the float sum differs from the exact one on the printed values by a few ulp,
        # so it rounds to the same cent unless it lies next to a half cent or to the minimum;
        # those cases (and zero or non-finite sums) take the exact decimal path below.
        raw = quantity * price * self.commission_bps / 10_000.0
        raw += quantity * self.commission_per_share
        cents = raw * 100.0
        if 0.0 < cents < _FAST_LIMIT and raw > self.commission_minimum * _ABOVE_MINIMUM:
            whole = math.floor(cents)
            fraction = cents - whole
            if abs(fraction - 0.5) > _HALF_CENT_MARGIN * cents:
                # n / 100 is the float nearest the decimal n cents, as float("n.nn") is.
                return (whole + (fraction > 0.5)) / 100.0
        return self._exact_cent_commission(quantity, price)

    def _exact_cent_commission(self, quantity: float, price: float) -> float:
        # Exact decimal arithmetic on the inputs' printed values: in binary floats a true half
        # cent such as 75 * 112.0 * 1bp + 75 * 0.005 = 1.215 comes out as 1.2149999... and would
        # round down; here it rounds half up to 1.22 like a broker's statement.
        q = _decimal(quantity)
        raw = q * _decimal(price) * _decimal(self.commission_bps) / _BPS
        raw += q * _decimal(self.commission_per_share)
        if raw == 0:
            return 0.0
        raw = max(raw, _decimal(self.commission_minimum))
        return float(raw.quantize(_CENT, rounding=ROUND_HALF_UP))

    def slipped_price(self, side: OrderSide, price: float) -> float:
        """The price a market or stop order fills at, given the reference price."""
        if self.slippage_bps == 0.0:
            return price
        return price * (1.0 + side.sign * self.slippage_bps / 10_000.0)


_BPS = Decimal(10_000)
_CENT = Decimal("0.01")
# The fast float path of the cent commission: it stays below 2**52 cents (so whole cents are exact
# floats), clear of the minimum and at least this far (relative) from a half cent.
_FAST_LIMIT = 2.0**52
_ABOVE_MINIMUM = 1.0 + 1e-9
_HALF_CENT_MARGIN = 1e-9


def _decimal(value: float) -> Decimal:
    """The decimal a float prints as (``repr`` is the shortest string that reads back equal)."""
    return Decimal(repr(value))
