"""The hook that records runs (``finbot backtest``, ``parity``, batches) in the registry.

The registry is opened before the first run it records, so one that cannot record fails before the
run rather than after it, and once per command however many runs it records. It is imported only
when a run is recorded: it pulls in SQLAlchemy, which ``finbot --help`` and ``--no-record`` do not
need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from finbot.contracts import BacktestResult, EngineRunError, RunConfig

from ._backtest import PreparedRun

if TYPE_CHECKING:
    from finbot.registry import Registry


def open_registry(location: str | None) -> Registry:
    """Open the registry at ``location`` (directory or URL; default ./.finbot)."""
    from finbot.registry import Registry

    return Registry.open(location)


class RunRecorder:
    """Records finished runs, and runs that failed in the engine, in an open registry.

    With ``registry=None`` (``--no-record``) it records nothing.
    """

    def __init__(self, registry: Registry | None) -> None:
        self.registry = registry

    def finished(
        self, result: BacktestResult, prepared: PreparedRun, *, started: datetime
    ) -> str | None:
        """Record a finished run of ``prepared``; returns its id (None when recording is off).

        The registry pins ``prepared.data``, the window the engine saw, so nothing is reloaded.
        """
        if self.registry is None:
            return None
        from finbot.registry import record_run

        return record_run(
            self.registry,
            result,
            prepared.data,
            prepared.new_strategy(),
            started,
            datetime.now(UTC),
        )

    @contextlib.contextmanager
    def failures(self, config: RunConfig, *, started: datetime) -> Iterator[None]:
        """Wrap a run: an engine failure (not an input error) is recorded as failed, then re-raised.

        ``run_prepared`` raises every failure of the run itself as ``EngineRunError``.
        """
        try:
            yield
        except EngineRunError as exc:
            if self.registry is not None:
                with contextlib.suppress(Exception):  # the run's own error is the one to report
                    self.registry.record_failure(
                        config, exc, started=started, finished=datetime.now(UTC)
                    )
            raise


@contextlib.contextmanager
def run_recorder(location: str | None, enabled: bool) -> Iterator[RunRecorder]:
    """A recorder on the registry at ``location``, open for the block (nothing when disabled)."""
    if not enabled:
        yield RunRecorder(None)
        return
    with open_registry(location) as registry:
        yield RunRecorder(registry)
