"""finbot-engine-backtrader: runs finbot contract strategies on Backtrader.

``BacktraderEngine`` implements ``finbot.contracts.BacktestEngine``; ``BacktraderSettings`` holds
its (result-neutral) settings. Backtrader is this package's dependency and no one else's.
"""

try:
    import backtrader as _backtrader  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "finbot.engine_backtrader needs backtrader, which is not installed. Install the adapter "
        "with its engine: `uv add finbot-engine-backtrader` (or `pip install "
        "finbot-engine-backtrader`)."
    ) from exc

from ._config import BacktraderSettings
from ._engine import BacktraderEngine

__all__ = [
    "BacktraderEngine",
    "BacktraderSettings",
]
