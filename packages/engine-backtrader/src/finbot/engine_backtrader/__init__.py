"""finbot-engine-backtrader: runs finbot contract strategies on Backtrader.

``BacktraderEngine`` implements ``finbot.contracts.BacktestEngine``; ``BacktraderSettings`` holds
its (result-neutral) settings. Backtrader is this package's dependency and no one else's.
"""

try:
    import backtrader as _backtrader  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    # Only the engine itself being absent gets the install hint; anything else that fails inside
    # it (a missing dependency, a broken submodule) propagates as it is, so no one reads a broken
    # install as "not installed". The name lets callers tell the two apart (finbot.cli wiring).
    if exc.name != "backtrader":
        raise
    raise ModuleNotFoundError(
        "finbot.engine_backtrader needs backtrader, which is not installed. Install the adapter "
        "with its engine: `uv add finbot-engine-backtrader` (or `pip install "
        "finbot-engine-backtrader`).",
        name="backtrader",
    ) from exc

from ._config import BacktraderSettings
from ._engine import BacktraderEngine

__all__ = [
    "BacktraderEngine",
    "BacktraderSettings",
]
