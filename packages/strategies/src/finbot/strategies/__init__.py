"""finbot's golden strategies, written against ``finbot.contracts`` only.

Three reference strategies every engine must run identically: a simple SMA crossover, a
Bollinger mean reversion with limit entries and stop-loss exits, and a monthly multi-asset
momentum rotation. ``GOLDEN_STRATEGIES`` maps each ``strategy_id`` to its class.
"""

from collections.abc import Mapping
from types import MappingProxyType

from finbot.contracts import Strategy

from ._bollinger_reversion import BollingerReversion, BollingerReversionParams
from ._momentum_rotation import MomentumRotation, MomentumRotationParams
from ._sma_crossover import SmaCrossover, SmaCrossoverParams

GOLDEN_STRATEGIES: Mapping[str, type[Strategy]] = MappingProxyType(
    {cls.strategy_id: cls for cls in (SmaCrossover, BollingerReversion, MomentumRotation)}
)

__all__ = [
    # registry
    "GOLDEN_STRATEGIES",
    # strategies
    "BollingerReversion",
    "MomentumRotation",
    "SmaCrossover",
    # their parameters
    "BollingerReversionParams",
    "MomentumRotationParams",
    "SmaCrossoverParams",
]
