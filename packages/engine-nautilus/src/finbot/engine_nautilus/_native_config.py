"""Settings of the Nautilus adapter's native mode that move no result (tolerance, logging)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from finbot.contracts import ConfigError, NativeExecution


@dataclass(frozen=True, kw_only=True, slots=True)
class NativeSettings:
    """How native mode checks and logs a run; nothing here changes a result's numbers.

    What does move results (latency, fill model, account, liquidity, risk engine) is the run
    config's ``native`` (``finbot.contracts.NativeExecution``, ADR 0025), so it is recorded with
    the run and a rerun rebuilds it.

    Attributes:
        shadow_rel_tolerance: largest relative gap allowed between finbot's ledger (which books
            Nautilus's fills) and Nautilus's account at the end, plus one cent per fill (Nautilus
            books money in whole cents); outside it the run fails with ``EngineRunError``.
        verbose: let Nautilus log.
    """

    shadow_rel_tolerance: float = 1e-6
    verbose: bool = False

    def __post_init__(self) -> None:
        tol = self.shadow_rel_tolerance
        if not (math.isfinite(tol) and 0 < tol < 1):
            raise ConfigError(f"NativeSettings.shadow_rel_tolerance is {tol}; it must be in (0, 1)")


def native_details(native: NativeExecution) -> dict[str, str]:
    """The settings a native run ran with, as the result's ``engine.details`` records them."""
    return {
        "mode": "native",
        "prob_fill_on_limit": repr(native.prob_fill_on_limit),
        "prob_slippage": repr(native.prob_slippage),
        "latency_ms": repr(native.latency_ms),
        "risk_engine": "on" if native.risk_engine else "bypassed",
        "liquidity": native.liquidity.replace("_", " "),
        "account": str(native.account),
    }
