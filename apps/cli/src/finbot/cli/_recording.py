"""The hook that records ``finbot backtest`` and ``finbot parity`` runs in the registry.

The registry is imported only when a run is recorded: it pulls in SQLAlchemy, which
``finbot --help`` and ``finbot backtest --no-record`` do not need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from finbot.contracts import BacktestResult, EngineRunError, RunConfig

from ._api import PreparedRun

if TYPE_CHECKING:
    from finbot.registry import Registry


def open_registry(location: str | None) -> Registry:
    """Open the registry at ``location`` (directory or URL; default ./.finbot)."""
    from finbot.registry import Registry

    return Registry.open(location)


class RunRecorder:
    """Records one `finbot backtest` run (or its failure) in the registry."""

    def __init__(
        self, location: str | None, enabled: bool, started: datetime | None = None
    ) -> None:
        self.location = location
        self.enabled = enabled
        self.started = started or datetime.now(UTC)
        self.run_id: str | None = None

    def finished(self, result: BacktestResult, prepared: PreparedRun) -> str | None:
        """Record a finished run of ``prepared``; returns its id (None when recording is off).

        The registry pins ``prepared.data``, the window the engine saw, so nothing is reloaded.
        """
        if not self.enabled:
            return None
        from finbot.registry import record_run

        with open_registry(self.location) as registry:
            self.run_id = record_run(
                registry,
                result,
                prepared.data,
                prepared.new_strategy(),
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
    config: RunConfig, location: str | None, enabled: bool, *, started: datetime | None = None
) -> Iterator[RunRecorder]:
    """Wrap a run: engine failures (not input errors) are recorded as failed, then re-raised.

    ``started`` is when the run began, for a run recorded after it finished (default: now).
    """
    recorder = RunRecorder(location, enabled, started)
    try:
        yield recorder
    except EngineRunError as exc:  # run_prepared raises every failure of the run as one
        with contextlib.suppress(Exception):  # the run's own error is the one to report
            recorder.failed(config, exc)
        raise
