"""Settings of the Nautilus adapter's native mode: Nautilus's own fill, latency and risk models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from finbot.contracts import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class NativeSettings:
    """How native mode configures Nautilus's venue; unlike ``NautilusSettings`` these move results.

    Each value is recorded in the result's ``engine.details`` (the run config has no field for
    them; issue 12's pilot measures with them).

    Attributes:
        prob_fill_on_limit: Nautilus ``FillModel``: chance a limit order fills when the market only
            touches its price.
        prob_slippage: Nautilus ``FillModel``: chance a market-type fill slips by one tick.
        latency_ms: Nautilus ``LatencyModel`` base latency for every order message, milliseconds.
        use_risk_engine: Nautilus's risk engine checks orders (balance, size) before the venue.
        account: ``margin`` (default; shorts allowed, 100 % margin at leverage 1) or ``cash``
            (no shorts). Nautilus 1.221's risk engine checks no balance on a margin account (its
            source: "TODO: Determine risk controls for margin"), so only ``cash`` refuses an
            order larger than the cash.
        shadow_rel_tolerance: largest relative gap allowed between finbot's ledger (which books
            Nautilus's fills) and Nautilus's account at the end, plus one cent per fill (Nautilus
            books money in whole cents); outside it the run fails with ``EngineRunError``.
        verbose: let Nautilus log.
    """

    prob_fill_on_limit: float = 1.0
    prob_slippage: float = 0.0
    latency_ms: float = 0.0
    use_risk_engine: bool = True
    account: Literal["margin", "cash"] = "margin"
    shadow_rel_tolerance: float = 1e-6
    verbose: bool = False

    def __post_init__(self) -> None:
        for name in ("prob_fill_on_limit", "prob_slippage"):
            value = getattr(self, name)
            if not (0.0 <= value <= 1.0):
                raise ConfigError(f"NativeSettings.{name} is {value}; it must be in [0, 1]")
        if not (math.isfinite(self.latency_ms) and self.latency_ms >= 0):
            raise ConfigError(f"NativeSettings.latency_ms is {self.latency_ms}; it must be >= 0")
        if self.account not in ("margin", "cash"):
            raise ConfigError(f"NativeSettings.account is {self.account!r}; use 'margin' or 'cash'")
        tol = self.shadow_rel_tolerance
        if not (math.isfinite(tol) and 0 < tol < 1):
            raise ConfigError(f"NativeSettings.shadow_rel_tolerance is {tol}; it must be in (0, 1)")

    def details(self) -> dict[str, str]:
        """The settings as the result's ``engine.details`` records them."""
        return {
            "mode": "native",
            "prob_fill_on_limit": repr(self.prob_fill_on_limit),
            "prob_slippage": repr(self.prob_slippage),
            "latency_ms": repr(self.latency_ms),
            "risk_engine": "on" if self.use_risk_engine else "bypassed",
            "liquidity": "bar volume",
            "account": self.account,
        }
