"""Settings of the Nautilus adapter: frozen and keyword-only."""

from __future__ import annotations

import math
from dataclasses import dataclass

from finbot.contracts import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class NautilusSettings:
    """How the adapter runs NautilusTrader (nothing here changes a result's numbers).

    Attributes:
        verbose: let Nautilus log (its own logger, level INFO); off by default because it is loud
            and bypassing it was measured 30-40 % faster.
        equity_rel_tolerance: largest relative gap allowed between the runner's final equity and
            Nautilus's account (cash plus positions at their last close) before the run fails
            with ``EngineRunError``. On top of it each fill may differ by half a cent, because
            Nautilus books every fill's notional in whole cents (``Money``) while the runner keeps
            floats.
    """

    verbose: bool = False
    equity_rel_tolerance: float = 1e-6

    def __post_init__(self) -> None:
        tol = self.equity_rel_tolerance
        if not (math.isfinite(tol) and 0 < tol < 1):
            raise ConfigError(
                f"NautilusSettings.equity_rel_tolerance is {tol}; it must be in (0, 1)"
            )
