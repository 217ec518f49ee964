"""finbot-engine-nautilus: runs finbot contract strategies on NautilusTrader.

``NautilusEngine`` implements ``finbot.contracts.BacktestEngine``; ``NautilusSettings`` holds its
(result-neutral) settings. NautilusTrader is this package's dependency and no one else's.
"""

try:
    import nautilus_trader as _nautilus_trader  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "finbot.engine_nautilus needs nautilus_trader, which is not installed. Install the "
        "adapter with its engine: `uv add finbot-engine-nautilus` (or `pip install "
        "finbot-engine-nautilus`)."
    ) from exc

from ._config import NautilusSettings
from ._engine import NautilusEngine

__all__ = [
    "NautilusEngine",
    "NautilusSettings",
]
