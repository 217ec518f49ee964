"""The Dask executor: tasks on an existing cluster or a LocalCluster, with a hard limit per task.

A run stuck in one long C call ignores its soft deadline (``_timeout``). Each task with a timeout
tells the batch when it starts on a worker; once past its hard limit (``hard_limit``) its worker is
killed (a LocalCluster the batch started) or, on an existing cluster, the task is abandoned unless
``restart_stuck_workers`` allows a restart through the worker's nanny (ADR 0029).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finbot.contracts import ConfigError, MarketData

from ._batch_worker import RunOutcome, RunTask
from ._executors import HARD_LIMIT_GRACE_SECONDS, HardTimeLimitError, hard_limit, lost_kind
from ._taxonomy import FailureKind

# How often the batch looks for a task past its hard limit.
_WATCH_SECONDS = 0.2


@dataclass(slots=True)
class _Task:
    """A bundle on its way through Dask: what to resend, and where and when it started."""

    result: cf.Future[list[RunOutcome]]
    tasks: list[RunTask]
    timeout: float | None
    future: Any = None  # the distributed.Future of the current attempt
    started: float | None = None  # time.monotonic() when its worker reported the start
    worker: str | None = None
    pid: int | None = None  # of the worker process running it


class DaskExecutor:
    """Tasks on a Dask cluster: an existing one (``scheduler``) or a ``LocalCluster`` of N workers.

    Datasets reach every worker once, through a worker plugin (``DatasetsPlugin``) that the
    scheduler also hands to a worker replacing a dead one. A LocalCluster this executor starts
    lets no task fail more than once on its own (``allowed-failures`` 0), so a killed worker
    reaches the batch, which classifies and retries.

    A task past its hard limit fails with ``HardTimeLimitError`` (a timeout). On a LocalCluster
    this executor started, its worker process is killed (the nanny starts a fresh one) and the
    other tasks that were waiting on that worker are sent again without counting an attempt. On
    an existing cluster its workers may serve others, so the task is only abandoned (its thread
    stays busy until the call returns) unless ``restart_stuck_workers`` is set: then the worker
    is restarted through its nanny.
    """

    name = "dask"

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        local_workers: int | None = None,
        restart_stuck_workers: bool = False,
        grace_seconds: float = HARD_LIMIT_GRACE_SECONDS,
    ) -> None:
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
        self._restart_stuck = restart_stuck_workers
        self._grace = grace_seconds
        self._cluster: Any = None
        self._client: Any = None
        self._config: Any = None
        self._plugin: str | None = None
        self._topic = f"finbot-started-{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._live: dict[str, _Task] = {}  # Dask key -> task; keeps the Dask future alive
        self._innocent: set[str] = set()  # keys lost only because a stuck task's worker died
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self.workers = local_workers or 1
        self.started = False

    def start(self, data: Mapping[str, MarketData]) -> None:
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
        self._client.subscribe_topic(self._topic, self._on_started)
        self._stop.clear()
        self._watch = threading.Thread(target=self._watch_loop, name="finbot-hard-limit",
                                       daemon=True)
        self._watch.start()

    # --- submitting and relaying ----------------------------------------------------------
    # Whoever takes a task out of ``_live`` first settles its result: the relay of its Dask
    # future, or the watch when it is past its hard limit.
    def submit(
        self, tasks: Sequence[RunTask], timeout: float | None
    ) -> cf.Future[list[RunOutcome]]:
        task = _Task(cf.Future(), list(tasks), timeout)
        self._send(task)
        return task.result

    def _send(self, task: _Task) -> None:
        from ._dask_datasets import run_reported

        # Known before the task can start, so its start report always finds it.
        key = f"finbot-bundle-{uuid.uuid4().hex}"
        task.started, task.worker, task.pid = None, None, None
        with self._lock:
            self._live[key] = task
        try:
            task.future = self._client.submit(
                run_reported, self._topic, task.tasks, task.timeout, key=key, pure=False
            )
        except Exception as exc:  # e.g. the tasks would not pickle
            with self._lock:
                self._live.pop(key, None)
            task.result.set_exception(exc)
            return
        task.future.add_done_callback(self._relay)

    def _relay(self, done: Any) -> None:
        with self._lock:
            task = self._live.pop(done.key, None)
            innocent = done.key in self._innocent
            self._innocent.discard(done.key)
        if task is None:  # given up past its hard limit
            return
        try:
            outcomes = done.result()
        except BaseException as exc:
            if innocent:  # lost with a stuck task's worker: its own runs never failed
                self._send(task)
            else:
                task.result.set_exception(exc)
            return
        task.result.set_result(outcomes)

    def _on_started(self, event: tuple[float, dict[str, Any]]) -> None:
        _, message = event
        with self._lock:
            task = self._live.get(message["key"])
            if task is not None:
                task.started, task.worker = time.monotonic(), message["worker"]
                task.pid = message["pid"]

    # --- the hard limit -------------------------------------------------------------------
    def _watch_loop(self) -> None:
        while not self._stop.wait(_WATCH_SECONDS):
            now = time.monotonic()
            with self._lock:
                overdue = [
                    self._live.pop(key) for key, t in list(self._live.items())
                    if t.started is not None and t.timeout is not None
                    and now - t.started > hard_limit(len(t.tasks), t.timeout, self._grace)
                ]
            for task in overdue:
                self._expire(task)

    def _expire(self, task: _Task) -> None:
        assert task.timeout is not None
        limit = hard_limit(len(task.tasks), task.timeout, self._grace)
        try:
            fate = self._stop_stuck(task)
        except Exception as exc:  # e.g. the cluster went away: the task still ends as timed out
            fate = f"stopping it failed: {type(exc).__name__}: {exc}"
        task.result.set_exception(HardTimeLimitError(
            f"a task of {len(task.tasks)} run(s) ran past its hard limit of {limit:g} s "
            f"(runs x timeout + {self._grace:g} s); {fate}"
        ))

    def _stop_stuck(self, task: _Task) -> str:
        """Release a task past its hard limit and stop its worker if allowed; say what was done."""
        assert task.future is not None and task.worker is not None
        own = self._cluster is not None
        if own or self._restart_stuck:
            # Tasks waiting on that worker die with it through no fault of their own.
            on_worker = self._client.processing([task.worker]).get(task.worker, ())
            with self._lock:
                self._innocent.update(set(on_worker) - {task.future.key})
        # Released first, so that no retry of the cluster's own runs it again elsewhere.
        self._client.cancel(task.future)
        if own:
            assert task.pid is not None
            # Same host; SIGKILL needs nothing of the worker (a call holding the GIL included).
            with contextlib.suppress(ProcessLookupError):  # it died meanwhile
                os.kill(task.pid, signal.SIGKILL)
            return f"its worker {task.worker} was killed and replaced"
        if self._restart_stuck:
            self._client.restart_workers([task.worker], raise_for_error=False)
            return f"its worker {task.worker} was restarted"
        return (
            f"abandoned on worker {task.worker} of an existing cluster, not restarted "
            "(restart_stuck_workers is off): one of its threads stays busy until the call returns"
        )

    def lost(self, exc: BaseException) -> FailureKind:
        from distributed import KilledWorker

        return lost_kind(exc, (KilledWorker, cf.CancelledError))

    def close(self) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join()
            self._watch = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.unsubscribe_topic(self._topic)
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
        self._live.clear()
        self._innocent.clear()
        self.started = False
