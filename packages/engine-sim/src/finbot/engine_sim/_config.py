"""Settings of the sim engine: frozen and keyword-only."""

from __future__ import annotations

import math
from dataclasses import dataclass

from finbot.contracts import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class SimSettings:
    """How the simulated broker executes.

    Attributes:
        volume_share: the most of a bar's volume one order may fill on that bar, as a fraction
            (0.1 = 10%); the rest keeps working on later bars. None (the default) fills whole
            orders, as Backtrader does. It changes results and is recorded in the result's
            ``engine.details``.
    """

    volume_share: float | None = None

    def __post_init__(self) -> None:
        share = self.volume_share
        if share is not None and not (math.isfinite(share) and 0 < share <= 1):
            raise ConfigError(f"SimSettings.volume_share is {share}; it must be in (0, 1]")
