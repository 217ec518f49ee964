"""The hook that records runs (``finbot backtest``, ``parity``, batches) in the registry.

The registry is opened before the first run it records, so one that cannot record fails before the
run rather than after it, and once per command however many runs it records. It is imported only
when a run is recorded: it pulls in SQLAlchemy, which ``finbot --help`` and ``--no-record`` do not
need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from finbot.contracts import BacktestResult, EngineRunError, RunConfig

from ._backtest import PreparedRun

if TYPE_CHECKING:
    from finbot.registry import Registry


def open_registry(location: str | None, *, create: bool = True) -> Registry:
    """Open the registry at ``location`` (directory or URL; default ./.finbot).

    ``create=False`` (what reading commands use) refuses a location holding no registry instead
    of creating an empty one there.
    """
    from finbot.registry import Registry

    return Registry.open(location, create=create)


class RunRecorder:
    """Records runs in an open registry: started before the engine runs, then finished or failed.

    With ``registry=None`` (``--no-record``) it records nothing.
    """

    def __init__(self, registry: Registry | None) -> None:
        self.registry = registry

    @contextlib.contextmanager
    def running(
        self,
        prepared: PreparedRun,
        *,
        started: datetime,
        timeout_seconds: float | None = None,
        tags: Sequence[str] = (),
    ) -> Iterator[str | None]:
        """Write the ``running`` record before the run; yields its id (None when not recording).

        A killed or hung run stays visible as ``running`` until the registry marks it abandoned.
        An engine failure, a timeout or an interrupt (Ctrl-C) is recorded as failed, then
        re-raised; input errors are not runs and are not recorded. Finish with :meth:`finished`.
        """
        if self.registry is None:
            yield None
            return
        run_id = self.registry.start(
            prepared.config,
            strategy=prepared.new_strategy(),
            started=started,
            timeout_seconds=timeout_seconds,
            tags=tags,
        )
        try:
            yield run_id
        except (EngineRunError, KeyboardInterrupt) as exc:
            interrupted = isinstance(exc, KeyboardInterrupt)
            reason: str | BaseException = "interrupted (KeyboardInterrupt)" if interrupted else exc
            with contextlib.suppress(Exception):  # the run's own error is the one to report
                self.registry.fail(run_id, reason, finished=datetime.now(UTC))
            raise

    def finished(
        self,
        result: BacktestResult,
        prepared: PreparedRun,
        *,
        started: datetime,
        run_id: str | None = None,
        tags: Sequence[str] = (),
    ) -> str | None:
        """Record a finished run of ``prepared``; returns its id (None when recording is off).

        With ``run_id`` (from :meth:`running`) that running record is finished; without, the run
        is recorded in one step. The registry pins ``prepared.dataset`` once for every run on it
        (or ``prepared.data``, the window the engine saw, when the dataset is unknown).
        """
        if self.registry is None:
            return None
        if run_id is not None:
            return self.registry.finish(
                run_id, result, prepared.data, dataset=prepared.dataset
            ).run_id
        from finbot.registry import record_run

        return record_run(
            self.registry,
            result,
            prepared.data,
            prepared.new_strategy(),
            started,
            datetime.now(UTC),
            dataset=prepared.dataset,
            tags=tags,
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
