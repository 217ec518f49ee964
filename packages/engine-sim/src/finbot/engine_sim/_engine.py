"""``SimEngine``: a contract strategy run on the domain's ``SimulatedBroker`` alone."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from finbot.contracts import (
    BacktestResult,
    Bar,
    EngineInfo,
    MarketData,
    RunConfig,
    Strategy,
)
from finbot.contracts.engine import FillCap, simulate

from ._config import SimSettings


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # running from a source tree without metadata
        return "unknown"


def _volume_cap(share: float) -> FillCap:
    def cap(bar: Bar, remaining: float) -> float:
        return bar.volume * share

    return cap


class SimEngine:
    """Runs contract strategies on finbot's simulated broker (``RunConfig.engine == "sim"``).

    The data must already be restricted to the run's ``config.start``/``config.end`` (the CLI calls
    ``MarketData.between``); every bar given is traded. Fills follow the contract as Backtrader
    executes it (docs/adr/0003); the broker is docs/adr/0010.
    """

    def __init__(self, settings: SimSettings | None = None) -> None:
        self.settings = settings or SimSettings()

    @property
    def name(self) -> str:
        """The engine id, ``sim``."""
        return "sim"

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Run ``strategy`` over ``data`` under ``config``.

        Raises:
            DataValidationError: the data has no bars.
        """
        share = self.settings.volume_share
        details = {"fill_policy": str(config.fill_policy)}
        if share is not None:
            details["volume_share"] = repr(share)
        engine = EngineInfo(
            name=self.name,
            version=_version("finbot-contracts"),
            adapter="finbot-engine-sim",
            adapter_version=_version("finbot-engine-sim"),
            details=details,
        )
        cap = _volume_cap(share) if share is not None else None
        return simulate(strategy, config, data, engine, fill_cap=cap)
