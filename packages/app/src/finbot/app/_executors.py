"""Where batch tasks run: in this process (serial), a local process pool, or a Dask cluster.

Every executor hands back ``concurrent.futures.Future`` objects, so the batch loop waits on all of
them alike; each maps its own ways of losing a task (a dead process, a killed Dask worker, a task
past its hard limit, an object that would not pickle) onto the failure taxonomy.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from finbot.contracts import ConfigError, MarketData

from ._batch_worker import RunOutcome, RunTask, run_bundle, start_worker
from ._taxonomy import FailureKind, is_serialization_error

# A run that ignores its soft deadline (stuck in C code) is killed this long after it.
HARD_LIMIT_GRACE_SECONDS = 10.0


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


def _serialization_or(exc: BaseException, default: FailureKind) -> FailureKind:
    return FailureKind.SERIALIZATION if is_serialization_error(exc) else default


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
        return _serialization_or(exc, FailureKind.ENGINE_ERROR)

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
        hard = None if timeout is None else len(tasks) * timeout + HARD_LIMIT_GRACE_SECONDS
        future: cf.Future[list[RunOutcome]] = self._pool.schedule(
            run_bundle, args=(list(tasks), None, timeout), timeout=hard
        )
        return future

    def lost(self, exc: BaseException) -> FailureKind:
        from pebble import ProcessExpired

        if isinstance(exc, ProcessExpired):
            return FailureKind.WORKER_LOST
        if isinstance(exc, TimeoutError):
            return FailureKind.TIMEOUT
        if isinstance(exc, MemoryError):
            return FailureKind.OUT_OF_MEMORY
        return _serialization_or(exc, FailureKind.WORKER_LOST)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None
        self.started = False


class DaskExecutor:
    """Tasks on a Dask cluster: an existing one (``scheduler``) or a ``LocalCluster`` of N workers.

    Datasets reach every worker once, through a worker plugin (``DatasetsPlugin``) that the
    scheduler also hands to a worker replacing a dead one. A LocalCluster this executor starts
    lets no task fail more than once on its own (``allowed-failures`` 0), so a killed worker
    reaches the batch, which classifies and retries.
    """

    name = "dask"

    def __init__(self, *, scheduler: str | None = None, local_workers: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ConfigError("the dask executor needs --scheduler ADDRESS or --dask-local N")
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "the dask executor needs dask.distributed; install it with "
                "`pip install finbot-app[dask]`"
            ) from exc
        self._scheduler = scheduler
        self._local_workers = local_workers
        self._cluster: Any = None
        self._client: Any = None
        self._config: Any = None
        self._plugin: str | None = None
        self._live: dict[cf.Future[list[RunOutcome]], Any] = {}
        self.workers = local_workers or 1
        self.started = False

    def start(self, data: Mapping[str, MarketData]) -> None:
        import uuid

        import dask
        from distributed import Client, LocalCluster

        self.started = True
        if self._local_workers is not None:
            # Kept for the cluster's lifetime (a restarted worker reads it too). Forked workers
            # start with finbot and the engines imported: 3 s instead of 14 s for two workers
            # here, where spawned ones import everything again (ADR 0016). The statistical
            # profiler (a thread taking the GIL every 10 ms to sample the running task) is off:
            # the batch reports its own timings.
            self._config = dask.config.set(
                {
                    "distributed.scheduler.allowed-failures": 0,
                    "distributed.worker.multiprocessing-method": "fork",
                    "distributed.worker.profile.enabled": False,
                }
            )
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=self._local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
        else:
            try:
                self._client = Client(  # type: ignore[no-untyped-call]
                    self._scheduler, timeout="10s"
                )
            except OSError as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {self._scheduler}: {exc}"
                ) from exc
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        from ._dask_datasets import DatasetsPlugin

        self._plugin = f"finbot-datasets-{uuid.uuid4().hex}"
        # Workers of a cluster this batch started are its own: they may freeze what they
        # inherited (``start_worker``); an existing cluster's workers are left as they are.
        plugin = DatasetsPlugin(dict(data), freeze=self._cluster is not None)
        self._client.register_plugin(plugin, name=self._plugin)

    def submit(
        self, tasks: Sequence[RunTask], timeout: float | None
    ) -> cf.Future[list[RunOutcome]]:
        result: cf.Future[list[RunOutcome]] = cf.Future()
        try:
            task = self._client.submit(run_bundle, list(tasks), None, timeout, pure=False)
        except Exception as exc:  # e.g. the tasks would not pickle
            result.set_exception(exc)
            return result
        self._live[result] = task  # keep the Dask future alive until it is done

        def relay(done: Any) -> None:
            self._live.pop(result, None)
            try:
                result.set_result(done.result())
            except BaseException as exc:
                result.set_exception(exc)

        task.add_done_callback(relay)
        return result

    def lost(self, exc: BaseException) -> FailureKind:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker | cf.CancelledError):
            return FailureKind.WORKER_LOST
        if isinstance(exc, MemoryError):
            return FailureKind.OUT_OF_MEMORY
        if isinstance(exc, TimeoutError):
            return FailureKind.TIMEOUT
        return _serialization_or(exc, FailureKind.WORKER_LOST)

    def close(self) -> None:
        if self._client is not None:
            if self._plugin is not None and self._cluster is None:
                # An existing cluster outlives the batch: its workers drop the datasets. Best
                # effort: a cluster gone meanwhile must not hide how the batch ended.
                with contextlib.suppress(Exception):
                    self._client.unregister_worker_plugin(self._plugin)
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        if self._config is not None:
            self._config.__exit__(None, None, None)
        self._client = self._cluster = self._config = self._plugin = None
        self.started = False


def make_executor(
    name: str,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
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
        return DaskExecutor(scheduler=scheduler, local_workers=dask_local)
    raise ConfigError(f"unknown executor '{name}'; choose local, dask or serial")
