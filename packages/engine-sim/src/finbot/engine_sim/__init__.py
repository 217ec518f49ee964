"""finbot-engine-sim: runs finbot contract strategies on finbot's own simulated broker.

``SimEngine`` implements ``finbot.contracts.BacktestEngine`` with ``SimulatedBroker`` (ADR 0010)
and no engine library; ``SimSettings`` holds its settings.
"""

from ._config import SimSettings
from ._engine import SimEngine

__all__ = [
    "SimEngine",
    "SimSettings",
]
