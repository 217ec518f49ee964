"""Cost model and fill policy: the trading frictions every engine must apply the same way."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    field_validator,
    model_validator,
)

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


class PriceCosts(NamedTuple):
    """A fill's price costs as fractions of its reference price (the price before costs).

    A market or stop fill of ``q`` units at reference ``r`` fills at ``r * (1 + sign * total)``
    (``sign`` +1 buying, -1 selling); each kind's amount is ``r * fraction * q``.
    """

    spread: float
    slippage: float
    impact: float

    @property
    def total(self) -> float:
        """All kinds together (summed slippage first, so slippage alone is exactly itself)."""
        return self.slippage + self.spread + self.impact


class CommissionTier(BaseModel):
    """One band of a tiered per-share schedule: ``per_share`` for the units up to ``up_to``.

    Bands are marginal, like tax brackets: with bands (500, 0.01) and (None, 0.005) an order of
    800 units pays 500 * 0.01 + 300 * 0.005. ``up_to`` counts units of one fill; ``None`` is the
    open-ended last band.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    up_to: PositiveFloat | None = Field(default=None, description="units; None = no upper bound")
    per_share: NonNegativeFloat = Field(description="currency per unit within this band")


# Named commission schedules (``CostModel.preset``). "ib_fixed" is Interactive Brokers' US-stock
# Fixed pricing: USD 0.005 per share, at least USD 1.00 and at most 1% of trade value per order.
COMMISSION_PRESETS: dict[str, dict[str, float]] = {
    "ib_fixed": {
        "commission_per_share": 0.005,
        "commission_minimum": 1.0,
        "commission_maximum_bps": 100.0,
    },
}


class CostModel(BaseModel):
    """Commission and slippage per fill, with explicit units.

    Commission of a fill of ``q`` units at price ``p`` (notional ``n = q * p``)::

        raw = commission_fixed + n * commission_bps / 10_000 + q * commission_per_share
              + tiered(q)                                    # marginal per-share bands
        fee = 0                                              if raw == 0
              min(max(raw, commission_minimum), cap)         otherwise

    where ``cap`` is the smaller of ``commission_maximum`` (currency) and
    ``n * commission_maximum_bps / 10_000`` (either may be unset). The cap wins over the minimum,
    as at Interactive Brokers (a USD 50 trade pays at most USD 0.50, not the USD 1 minimum). The
    schedule applies per fill: an order filled in one piece pays it once, a partially filled
    order once per fill. With ``rounding`` ``cent`` (the default) the fee is computed in exact
    decimal arithmetic on the printed values of the inputs and rounded half up to 0.01, so
    0.005 -> 0.01 and 1.005 -> 1.01; with ``none`` it is the plain float result.
    Price costs move market and stop fill prices against the trader, as fractions of the price
    before them (ADR 0021): ``slippage_bps``; half the quoted spread ``spread_bps``; volume-share
    slippage ``volume_impact * (q / bar volume)**2`` (zipline's model; each fill is capped at
    ``volume_limit`` of its bar's volume, the rest keeps working); square-root impact
    ``impact_y * sigma * sqrt(q / ADV)`` over the ``impact_window`` bars before the fill. Limit
    fills keep their price (the cap applies to them too). ``FillCosts`` applies the model.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commission_bps: NonNegativeFloat = Field(default=0.0, description="basis points of notional")
    commission_per_share: NonNegativeFloat = Field(default=0.0, description="currency per unit")
    commission_fixed: NonNegativeFloat = Field(default=0.0, description="currency per fill")
    commission_tiers: tuple[CommissionTier, ...] = Field(
        default=(), description="marginal per-unit bands, ascending; the last one open-ended"
    )
    commission_minimum: NonNegativeFloat = Field(default=0.0, description="currency per fill")
    commission_maximum: NonNegativeFloat | None = Field(
        default=None, description="currency per fill; None = no cap"
    )
    commission_maximum_bps: NonNegativeFloat | None = Field(
        default=None, description="basis points of notional per fill; None = no cap"
    )
    slippage_bps: NonNegativeFloat = Field(default=0.0, description="basis points of price")
    spread_bps: NonNegativeFloat = Field(
        default=0.0, description="quoted bid-ask spread, basis points of price; a fill pays half"
    )
    volume_limit: float | None = Field(
        default=None, gt=0.0, le=1.0, description="most of a bar's volume one fill may take"
    )
    volume_impact: NonNegativeFloat = Field(
        default=0.0, description="volume-share slippage: fraction of price per (fill/volume)^2"
    )
    impact_y: NonNegativeFloat = Field(
        default=0.0, description="square-root impact coefficient Y in Y*sigma*sqrt(q/ADV)"
    )
    impact_window: int = Field(
        default=20, ge=2, description="bars before the fill that sigma and ADV are taken over"
    )
    rounding: CommissionRounding = CommissionRounding.CENT

    @field_validator("commission_tiers")
    @classmethod
    def _ascending_open_ended(cls, tiers: tuple[CommissionTier, ...]) -> tuple[CommissionTier, ...]:
        if not tiers:
            return tiers
        if tiers[-1].up_to is not None:
            raise ValueError("the last commission tier must be open-ended (up_to = None)")
        inner = [t.up_to for t in tiers[:-1] if t.up_to is not None]
        if len(inner) != len(tiers) - 1:
            raise ValueError("only the last commission tier may be open-ended (up_to = None)")
        if any(b >= c for b, c in pairwise(inner)):
            raise ValueError(f"commission tier bounds must ascend strictly: {inner}")
        return tiers

    @model_validator(mode="after")
    def _volume_share_needs_cap(self) -> CostModel:
        if self.volume_impact and self.volume_limit is None:
            raise ValueError(
                "volume_impact needs volume_limit: the volume-share model caps each fill at a "
                "share of the bar's volume (zipline's volume_limit)"
            )
        return self

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> CostModel:
        """A named commission schedule from :data:`COMMISSION_PRESETS`, with fields overridden.

        Raises:
            ValueError: ``name`` is not a known preset (the message lists the known ones).
        """
        fields = COMMISSION_PRESETS.get(name)
        if fields is None:
            known = ", ".join(sorted(COMMISSION_PRESETS))
            raise ValueError(f"unknown commission preset {name!r}; known presets: {known}")
        return cls(**{**fields, **overrides})

    @property
    def has_schedule(self) -> bool:
        """Whether any schedule part beyond bps, per share and minimum is set (ADR 0018)."""
        return bool(
            self.commission_fixed
            or self.commission_tiers
            or self.commission_maximum is not None
            or self.commission_maximum_bps is not None
        )

    def describe(self) -> str:
        """One line stating every cost assumption (parts of the schedule only when set)."""
        parts = [f"commission {self.commission_bps:g} bps + {self.commission_per_share:g}/share"]
        if self.commission_fixed:
            parts.append(f" + {self.commission_fixed:g} fixed")
        if self.commission_tiers:
            bands = ", ".join(
                f"{t.per_share:g}/share {'beyond' if t.up_to is None else f'to {t.up_to:g}'}"
                for t in self.commission_tiers
            )
            parts.append(f" + tiers [{bands}]")
        limits = [f"min {self.commission_minimum:g}"]
        if self.commission_maximum is not None:
            limits.append(f"max {self.commission_maximum:g}")
        if self.commission_maximum_bps is not None:
            limits.append(f"max {self.commission_maximum_bps:g} bps of notional")
        limits.append(f"rounding {self.rounding.value}")
        parts.append(f" ({', '.join(limits)}), slippage {self.slippage_bps:g} bps")
        if self.spread_bps:
            parts.append(f", spread {self.spread_bps:g} bps (half paid per fill)")
        if self.volume_limit is not None:
            parts.append(f", fills capped at {self.volume_limit:g} of bar volume")
        if self.volume_impact:
            parts.append(f", volume-share slippage {self.volume_impact:g} x (q/volume)^2")
        if self.impact_y:
            parts.append(
                f", sqrt impact {self.impact_y:g} x sigma x sqrt(q/ADV) "
                f"over {self.impact_window} bars"
            )
        return "".join(parts)

    def commission(self, quantity: float, price: float) -> float:
        """Commission for one fill of ``quantity`` units at ``price``."""
        if self.rounding is CommissionRounding.CENT:
            return self._cent_commission(abs(quantity), price)
        quantity = abs(quantity)
        raw = self._float_raw(quantity, price)
        if raw == 0.0:
            return 0.0
        return min(max(raw, self.commission_minimum), self._float_cap(quantity, price))

    def _float_raw(self, quantity: float, price: float) -> float:
        raw = quantity * price * self.commission_bps / 10_000.0
        raw += quantity * self.commission_per_share
        if self.commission_fixed:
            raw += self.commission_fixed
        if self.commission_tiers:
            raw += _tiered(quantity, self.commission_tiers)
        return raw

    def _float_cap(self, quantity: float, price: float) -> float:
        cap = math.inf
        if self.commission_maximum is not None:
            cap = self.commission_maximum
        if self.commission_maximum_bps is not None:
            cap = min(cap, quantity * price * self.commission_maximum_bps / 10_000.0)
        return cap

    def _cent_commission(self, quantity: float, price: float) -> float:
        # Fast path: the float sum differs from the exact one on the printed values by a few ulp,
        # so it rounds to the same cent unless it lies next to a half cent, the minimum or the
        # cap; those cases (and zero or non-finite sums) take the exact decimal path below.
        raw = self._float_raw(quantity, price)
        cents = raw * 100.0
        if (
            0.0 < cents < _FAST_LIMIT
            and raw > self.commission_minimum * _ABOVE_LIMIT
            and raw * _ABOVE_LIMIT < self._float_cap(quantity, price)
        ):
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
        notional = q * _decimal(price)
        raw = notional * _decimal(self.commission_bps) / _BPS
        raw += q * _decimal(self.commission_per_share)
        raw += _decimal(self.commission_fixed)
        if self.commission_tiers:
            raw += _exact_tiered(q, self.commission_tiers)
        if raw == 0:
            return 0.0
        raw = max(raw, _decimal(self.commission_minimum))
        if self.commission_maximum is not None:
            raw = min(raw, _decimal(self.commission_maximum))
        if self.commission_maximum_bps is not None:
            raw = min(raw, notional * _decimal(self.commission_maximum_bps) / _BPS)
        return float(raw.quantize(_CENT, rounding=ROUND_HALF_UP))

    def price_costs(self) -> PriceCosts:
        """The price costs of a market or stop fill, as fractions of the reference price.

        ``slippage`` = ``slippage_bps``; ``spread`` = half of ``spread_bps`` (a market order
        crosses from the mid to the bid or ask).
        """
        return PriceCosts(
            spread=self.spread_bps / 20_000.0, slippage=self.slippage_bps / 10_000.0, impact=0.0
        )

    def slipped_price(self, side: OrderSide, price: float) -> float:
        """The price a market or stop order fills at, given the reference price."""
        total = self.price_costs().total
        if total == 0.0:
            return price
        return price * (1.0 + side.sign * total)


_BPS = Decimal(10_000)
_CENT = Decimal("0.01")
# The fast float path of the cent commission: it stays below 2**52 cents (so whole cents are exact
# floats), clear of the minimum and the cap and at least this far (relative) from a half cent.
_FAST_LIMIT = 2.0**52
_ABOVE_LIMIT = 1.0 + 1e-9
_HALF_CENT_MARGIN = 1e-9


def _decimal(value: float) -> Decimal:
    """The decimal a float prints as (``repr`` is the shortest string that reads back equal)."""
    return Decimal(repr(value))


def _tiered(quantity: float, tiers: tuple[CommissionTier, ...]) -> float:
    """The marginal per-unit bands' fee for ``quantity`` units (float)."""
    fee = 0.0
    floor = 0.0
    for tier in tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > floor:
            fee += (top - floor) * tier.per_share
        if tier.up_to is None or quantity <= tier.up_to:
            break
        floor = tier.up_to
    return fee


def _exact_tiered(quantity: Decimal, tiers: tuple[CommissionTier, ...]) -> Decimal:
    """:func:`_tiered` in exact decimal arithmetic on the printed values."""
    fee = Decimal(0)
    floor = Decimal(0)
    for tier in tiers:
        bound = None if tier.up_to is None else _decimal(tier.up_to)
        top = quantity if bound is None else min(quantity, bound)
        if top > floor:
            fee += (top - floor) * _decimal(tier.per_share)
        if bound is None or quantity <= bound:
            break
        floor = bound
    return fee
