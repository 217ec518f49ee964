"""finbot-engine-nautilus: runs finbot contract strategies on NautilusTrader.

``NautilusEngine`` implements ``finbot.contracts.BacktestEngine`` in replica mode (fills decided by
ADR 0003's rules, exact parity with Backtrader); ``NautilusSettings`` holds its (result-neutral)
settings. ``NautilusNativeEngine`` is native mode (Nautilus's own matching, fill, latency and risk
models decide fills, as the run config's ``native`` settings say); ``NativeSettings`` holds its
result-neutral settings. NautilusTrader is this package's dependency and no one else's.
"""

try:
    import nautilus_trader as _nautilus_trader  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    # Only the engine itself being absent gets the install hint; anything else that fails inside
    # it (a missing dependency, a broken submodule) propagates as it is, so no one reads a broken
    # install as "not installed". The name lets callers tell the two apart (finbot.cli wiring).
    if exc.name != "nautilus_trader":
        raise
    raise ModuleNotFoundError(
        "finbot.engine_nautilus needs nautilus_trader, which is not installed. Install the "
        "adapter with its engine: `uv add finbot-engine-nautilus` (or `pip install "
        "finbot-engine-nautilus`).",
        name="nautilus_trader",
    ) from exc

from ._config import NautilusSettings
from ._engine import NautilusEngine
from ._native import NautilusNativeEngine
from ._native_config import NativeSettings

__all__ = [
    # replica mode
    "NautilusEngine",
    "NautilusSettings",
    # native mode
    "NativeSettings",
    "NautilusNativeEngine",
]
