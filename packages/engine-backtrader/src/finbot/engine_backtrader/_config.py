"""Settings of the Backtrader adapter: frozen and keyword-only."""

from __future__ import annotations

import math
from dataclasses import dataclass

from finbot.contracts import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class BacktraderSettings:
    """How the adapter runs Backtrader (nothing here changes a result's numbers).

    Attributes:
        equity_rel_tolerance: largest relative gap allowed between the runner's final equity and
            Backtrader's ``broker.getvalue()`` before the run fails with ``EngineRunError``. The two
            books add the same numbers in a different order, so they agree to ~1e-12, not exactly.
    """

    equity_rel_tolerance: float = 1e-6

    def __post_init__(self) -> None:
        tol = self.equity_rel_tolerance
        if not (math.isfinite(tol) and 0 < tol < 1):
            raise ConfigError(
                f"BacktraderSettings.equity_rel_tolerance is {tol}; it must be in (0, 1)"
            )
