"""The hook that records ``finbot backtest`` (and ``parity --record``) runs in the registry.

The registry is imported only when a run is recorded: it pulls in SQLAlchemy, which
``finbot --help`` and ``finbot backtest --no-record`` do not need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from finbot.contracts import (
    BacktestResult,
    EngineRunError,
    MarketData,
    RunConfig,
    Strategy,
    StrategySpec,
)

from . import _api, _wiring
from ._strategy_loader import load_strategy

if TYPE_CHECKING:
    from finbot.registry import Registry


def open_registry(location: str | None) -> Registry:
    """Open the registry at ``location`` (directory or URL; default ./.finbot)."""
    from finbot.registry import Registry

    return Registry.open(location)


def _strategy_instance(spec: StrategySpec) -> Strategy:
    cls = load_strategy(spec.id, golden=_wiring.golden_strategies())
    return cls(cls.make_params(spec.params))


def _engine_input(config: RunConfig) -> MarketData:
    # What run_backtest handed the engine: the dataset cut to the run's dates.
    market = _api.load_data(config.dataset)
    if config.start is None and config.end is None:
        return market
    return market.between(config.start, config.end)


class RunRecorder:
    """Records one `finbot backtest` run (or its failure) in the registry."""

    def __init__(self, location: str | None, enabled: bool) -> None:
        self.location = location
        self.enabled = enabled
        self.started = datetime.now(UTC)
        self.run_id: str | None = None

    def finished(self, result: BacktestResult) -> str | None:
        """Record a finished run; returns its id (None when recording is off)."""
        if not self.enabled:
            return None
        data = _engine_input(result.config)
        from finbot.registry import record_run

        with open_registry(self.location) as registry:
            self.run_id = record_run(
                registry,
                result,
                data,
                _strategy_instance(result.config.strategy),
                self.started,
                datetime.now(UTC),
            )
        return self.run_id

    def failed(self, config: RunConfig, error: BaseException) -> None:
        """Record a run that started but failed in the engine."""
        if not self.enabled:
            return
        with open_registry(self.location) as registry:
            self.run_id = registry.record_failure(
                config, error, started=self.started, finished=datetime.now(UTC)
            )


@contextlib.contextmanager
def recording(
    config: RunConfig, location: str | None, enabled: bool
) -> Iterator[RunRecorder]:
    """Wrap a run: engine failures (not input errors) are recorded as failed, then re-raised."""
    recorder = RunRecorder(location, enabled)
    try:
        yield recorder
    except (EngineRunError, RuntimeError, ArithmeticError, AssertionError) as exc:
        with contextlib.suppress(Exception):  # the run's own error is the one to report
            recorder.failed(config, exc)
        raise
