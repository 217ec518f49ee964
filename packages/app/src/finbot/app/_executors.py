"""Where batch tasks run: in this process (serial), a local process pool, or a Dask cluster.

Every executor hands back ``concurrent.futures.Future`` objects, so the batch loop waits on all of
them alike; each maps its own ways of losing a task (a dead process, a killed Dask worker, a task
past its hard limit, an object that would not pickle) onto the failure taxonomy.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from finbot.contracts import ConfigError, MarketData

from ._batch_worker import RunOutcome, RunTask, run_bundle, start_worker
from ._taxonomy import FailureKind, is_serialization_error

# A run that ignores its soft deadline (stuck in C code) is killed this long after it.
HARD_LIMIT_GRACE_SECONDS = 10.0


def hard_limit(runs: int, timeout: float, grace: float = HARD_LIMIT_GRACE_SECONDS) -> float:
    """Seconds a task of ``runs`` runs may take once started before its worker is stopped."""
    return runs * timeout + grace


class HardTimeLimitError(TimeoutError):
    """A task ran past its hard limit: a run in it ignored its soft deadline."""


class BatchExecutor(Protocol):
    """Runs bundles of runs; ``workers`` is how many bundles it runs at once."""

    name: str
    workers: int
    started: bool

    def start(self, data: Mapping[str, MarketData]) -> None:
        """Ship each pinned dataset (snapshot id -> data) to the workers once."""

    def submit(
        self, tasks: Sequence[RunTask], timeout: float | None
    ) -> cf.Future[list[RunOutcome]]:
        """Run a bundle; the future fails only when the bundle as a whole was lost."""

    def lost(self, exc: BaseException) -> FailureKind:
        """The failure kind of an exception that lost a whole bundle."""

    def close(self) -> None:
        """Stop the workers (and a cluster this executor started)."""


def serialization_or(exc: BaseException, default: FailureKind) -> FailureKind:
    return FailureKind.SERIALIZATION if is_serialization_error(exc) else default


def lost_kind(exc: BaseException, worker_died: tuple[type[BaseException], ...]) -> FailureKind:
    """Why a whole task was lost: its worker died (``worker_died``), time, memory or pickling."""
    if isinstance(exc, worker_died):
        return FailureKind.WORKER_LOST
    if isinstance(exc, TimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(exc, MemoryError):
        return FailureKind.OUT_OF_MEMORY
    return serialization_or(exc, FailureKind.WORKER_LOST)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Runs each bundle at once in this process: the baseline, and for debugging a strategy."""

    name = "serial"
    workers = 1

    def __init__(self) -> None:
        self._data: Mapping[str, MarketData] = {}
        self.started = False

    def start(self, data: Mapping[str, MarketData]) -> None:
        self._data, self.started = data, True

    def submit(
        self, tasks: Sequence[RunTask], timeout: float | None
    ) -> cf.Future[list[RunOutcome]]:
        future: cf.Future[list[RunOutcome]] = cf.Future()
        try:
            future.set_result(run_bundle(tasks, self._data, timeout))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def lost(self, exc: BaseException) -> FailureKind:
        return serialization_or(exc, FailureKind.ENGINE_ERROR)

    def close(self) -> None:
        self.started = False


class LocalExecutor:
    """A pool of worker processes (pebble).

    A dead worker loses only its own task; a task past its hard limit has its process killed and
    replaced.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: Any = None
        self.started = False

    def start(self, data: Mapping[str, MarketData]) -> None:
        import multiprocessing

        from pebble import ProcessPool

        self.started = True
        # Forked workers start with everything this process imported and built (engines,
        # strategies, the datasets given to the initializer: nothing is pickled or decoded).
        # Linux only (Python 3.14 would pick forkserver there); elsewhere, e.g. macOS where fork
        # is unsafe, the platform's default, and each worker unpickles the datasets once.
        linux = sys.platform.startswith("linux")
        context = multiprocessing.get_context("fork" if linux else None)
        self._pool = ProcessPool(
            max_workers=self.workers,
            initializer=start_worker,
            initargs=(dict(data),),
            context=context,
        )

    def submit(
        self, tasks: Sequence[RunTask], timeout: float | None
    ) -> cf.Future[list[RunOutcome]]:
        hard = None if timeout is None else hard_limit(len(tasks), timeout)
        future: cf.Future[list[RunOutcome]] = self._pool.schedule(
            run_bundle, args=(list(tasks), None, timeout), timeout=hard
        )
        return future

    def lost(self, exc: BaseException) -> FailureKind:
        from pebble import ProcessExpired

        return lost_kind(exc, (ProcessExpired,))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None
        self.started = False


def make_executor(
    name: str,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    restart_stuck_workers: bool = False,
) -> BatchExecutor:
    """The executor called ``name``: ``local`` (default), ``dask`` or ``serial``.

    Raises:
        ConfigError: An unknown name, or dask without a scheduler or a local cluster size.
    """
    if name == "local":
        return LocalExecutor(workers)
    if name == "serial":
        return SerialExecutor()
    if name == "dask":
        from ._dask_executor import DaskExecutor

        return DaskExecutor(
            scheduler=scheduler, local_workers=dask_local,
            restart_stuck_workers=restart_stuck_workers,
        )
    raise ConfigError(f"unknown executor '{name}'; choose local, dask or serial")
