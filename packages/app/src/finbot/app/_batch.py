"""Run a planned batch on an executor: bundling, retries, per-run status, recording, resuming.

Finished runs are recorded in the registry as soon as their bundle returns, so stopping a batch
loses no finished run, and rerunning it skips every run whose key already succeeded.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import heapq
import math
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from finbot.contracts import BacktestResult, EquityCurve, daily_points, to_ns, window_figures

from ._batch_plan import BatchPlan, PlannedRun
from ._batch_report import BatchProgress, BatchReport, RunRow
from ._batch_worker import RunOutcome, RunTask
from ._executors import BatchExecutor
from ._taxonomy import FailureKind, RunStatus, is_transient

if TYPE_CHECKING:
    from finbot.registry import Registry

ProgressCallback = Callable[[BatchProgress], None]

# Tasks handed to the executor per worker at a time: one running, one waiting behind it.
_QUEUED_PER_WORKER = 2

_EPOCH = date(1970, 1, 1)


@functools.cache
def _day_date(day: int) -> date:
    """The date of a UTC day number.

    Cached: the batch's parent labels every finished run's days, the same dates for every run of
    a dataset (making them afresh was a third of its work on a sweep of short runs).
    """
    return _EPOCH + timedelta(days=day)


def daily_returns(result: BacktestResult) -> tuple[tuple[date, ...], tuple[float, ...]]:
    """Each UTC session date and its simple return on the one before.

    The first day's return is on the starting cash; the same daily series the metrics use.
    """
    return curve_returns(result.equity_curve, result.metrics.starting_equity)


def curve_returns(
    curve: EquityCurve, starting_equity: float
) -> tuple[tuple[date, ...], tuple[float, ...]]:
    """Each UTC session date of ``curve`` and its return, the first on ``starting_equity``."""
    day_numbers, equity = daily_points(curve)
    values = [starting_equity, *equity]
    if any(v <= 0 for v in values[:-1]):
        return (), ()
    days = tuple(map(_day_date, day_numbers))
    return days, tuple(b / a - 1.0 for a, b in pairwise(values))


def score(row: RunRow, result: BacktestResult) -> None:
    """Set the row's metrics and daily returns from its run's result.

    A row scored from a later session (``RunRow.scored_from``) gets the figures of the sessions
    from there on (``window_figures``), and whether a position was open when they began.
    """
    if row.scored_from is None:
        row.metrics = result.metrics
        row.days, row.daily_returns = daily_returns(result)
        return
    figures = window_figures(result, to_ns(row.scored_from))
    row.metrics, row.open_at_start = figures.metrics, figures.open_at_start
    row.days, row.daily_returns = curve_returns(figures.curve, figures.starting_equity)


class _Batch:
    def __init__(
        self,
        plan: BatchPlan,
        executor: BatchExecutor,
        registry: Registry | None,
        on_progress: ProgressCallback | None,
        close_executor: bool = True,
    ) -> None:
        self.close_executor = close_executor
        self.plan = plan
        self.spec = plan.spec.execution
        self.executor = executor
        self.registry = registry
        self.on_progress = on_progress
        self.rows = [
            RunRow(r.index, r.key, r.dataset, r.engine, r.params, scored_from=r.scored_from)
            for r in plan.runs
        ]
        self.began = time.monotonic()
        self.retries = 0
        self.batch_id: str | None = None
        self.ready: deque[list[int]] = deque()
        self.delayed: list[tuple[float, int, list[int]]] = []
        self.bundle_size = 1
        self.unbundled: deque[int] = deque()
        self.run_seconds = 0.0
        self.runs_timed = 0

    # --- progress -------------------------------------------------------------------------
    def progress(self) -> BatchProgress:
        counts = {s: 0 for s in RunStatus}
        for row in self.rows:
            counts[row.status] += 1
        return BatchProgress(
            total=len(self.rows),
            succeeded=counts[RunStatus.SUCCEEDED],
            failed=counts[RunStatus.FAILED],
            skipped=counts[RunStatus.SKIPPED],
            running=counts[RunStatus.RUNNING],
            retries=self.retries,
            elapsed_seconds=time.monotonic() - self.began,
        )

    def tell(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress())

    # --- recording ------------------------------------------------------------------------
    def open_batch(self) -> None:
        if self.registry is None:
            return
        spec = self.plan.spec.model_dump(mode="json")
        self.batch_id = self.registry.batches.create(
            spec, run_count=len(self.rows), name=self.plan.spec.name
        )

    def skip_succeeded(self) -> list[int]:
        """Mark runs whose key already succeeded as skipped; the indexes still to run."""
        if self.registry is None:
            return [row.index for row in self.rows]
        done = self.registry.batches.succeeded(row.key for row in self.rows)
        todo = []
        for row in self.rows:
            run_id = done.get(row.key)
            if run_id is None:
                todo.append(row.index)
                continue
            row.status, row.run_id = RunStatus.SKIPPED, run_id
            score(row, self.registry.load_result(run_id))
            self.add_row(row, "succeeded", run_id=run_id)
        return todo

    def add_row(self, row: RunRow, status: str, **fields: object) -> None:
        if self.registry is not None and self.batch_id is not None:
            self.registry.batches.add(
                self.batch_id,
                run_index=row.index,
                attempt=max(row.attempts, 1),
                run_key=row.key,
                status=status,
                **fields,  # type: ignore[arg-type]
            )

    def record_success(self, run: PlannedRun, row: RunRow, outcome: RunOutcome) -> None:
        assert outcome.result is not None
        row.status = RunStatus.SUCCEEDED
        score(row, outcome.result)
        row.seconds, row.failure, row.error = outcome.seconds, None, None
        if self.registry is None:
            return
        from finbot.registry import record_run

        cls = self.plan.strategy_cls
        row.run_id = record_run(
            self.registry,
            outcome.result,
            self.plan.window(run),
            cls(cls.make_params(run.config.strategy.params)),
            outcome.started,
            datetime.now(UTC),
            tags=self.tags(run),
            # The whole dataset is pinned once for every window of it the batch runs on.
            dataset=self.plan.data.get(run.config.dataset.snapshot_id or ""),
        )
        self.add_row(row, "succeeded", run_id=row.run_id, seconds=outcome.seconds)

    def record_failure(self, run: PlannedRun, row: RunRow, kind: FailureKind, error: str) -> None:
        row.status, row.failure, row.error = RunStatus.FAILED, kind, error
        if self.registry is None:
            return
        row.run_id = self.registry.record_failure(
            run.config, f"{kind.value}: {error}", tags=self.tags(run)
        )
        self.add_row(
            row, "failed", run_id=row.run_id, failure_kind=kind.value, error=error,
            seconds=row.seconds,
        )

    def tags(self, run: PlannedRun) -> tuple[str, ...]:
        own = (f"batch:{self.batch_id}",) if self.batch_id else ()
        return (*own, *self.plan.spec.tags, *run.tags)

    # --- settling outcomes ----------------------------------------------------------------
    def settle(self, outcome: RunOutcome) -> None:
        row, run = self.rows[outcome.index], self.plan.runs[outcome.index]
        row.attempts += 1
        if outcome.result is not None:
            self.record_success(run, row, outcome)
            return
        assert outcome.failure is not None
        row.seconds = outcome.seconds
        self.fail(run, row, outcome.failure, outcome.error or outcome.failure.value)

    def fail(self, run: PlannedRun, row: RunRow, kind: FailureKind, error: str) -> None:
        row.history.append(f"attempt {row.attempts}: {kind.value}: {error}")
        if is_transient(kind) and row.attempts <= self.spec.retries:
            row.status, row.failure, row.error = RunStatus.RETRIED, kind, error
            self.retries += 1
            self.add_row(row, "retried", failure_kind=kind.value, error=error)
            delay = self.spec.backoff_seconds * 2 ** (row.attempts - 1)
            heapq.heappush(self.delayed, (time.monotonic() + delay, row.index, [row.index]))
            return
        self.record_failure(run, row, kind, error)

    def lost(self, bundle: list[int], exc: BaseException) -> None:
        """A whole bundle was lost: a dead worker, a hard time limit, an unpicklable object."""
        kind = self.executor.lost(exc)
        if len(bundle) > 1 and not is_transient(kind):
            # Which run was to blame is unknown: run each alone and let that tell.
            self.ready.extend([i] for i in bundle)
            return
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        for i in bundle:
            row = self.rows[i]
            row.attempts += 1
            self.fail(self.plan.runs[i], row, kind, error)

    # --- the loop -------------------------------------------------------------------------
    def task(self, index: int) -> RunTask:
        run = self.plan.runs[index]
        return RunTask(run.index, run.key, run.config)

    def next_bundle(self) -> list[int]:
        """The runs of the next task: a retry or a lost bundle's run first, else fresh runs.

        Until a run has returned, a task holds one run: its time sizes the rest. Then a task
        holds about ``task_seconds`` of runs, but never more than a share of what is left
        (guided self-scheduling): tasks shrink towards the end, so the workers finish together
        instead of one running a last full bundle while the others idle.
        """
        if self.ready:
            return self.ready.popleft()
        size = 1
        if self.runs_timed:
            per_run = max(self.run_seconds / self.runs_timed, 1e-3)
            share = math.ceil(len(self.unbundled) / (_QUEUED_PER_WORKER * self.executor.workers))
            size = max(1, min(round(self.spec.task_seconds / per_run), share))
        self.bundle_size = max(self.bundle_size, size)
        return [self.unbundled.popleft() for _ in range(min(size, len(self.unbundled)))]

    def run(self) -> BatchReport:
        self.open_batch()
        todo = self.skip_succeeded()
        self.tell()
        if todo and not self.executor.started:
            self.executor.start(self.plan.data)
        try:
            if self.executor.name == "serial":  # no per-task cost to spread: a run a task
                self.ready.extend([i] for i in todo)
            else:
                self.unbundled.extend(todo)
            self.loop()
        finally:
            if self.close_executor:
                self.executor.close()
        return BatchReport(
            batch_id=self.batch_id,
            strategy=self.plan.strategy_id,
            metric=self.plan.spec.metric,
            rows=tuple(self.rows),
            executor=self.executor.name,
            workers=self.executor.workers,
            bundle_size=self.bundle_size,
            elapsed_seconds=time.monotonic() - self.began,
        )

    def loop(self) -> None:
        inflight: dict[cf.Future[list[RunOutcome]], list[int]] = {}
        # A task waits queued behind each running one, so a worker that finishes starts the
        # next at once instead of idling while its result travels back and this loop answers.
        depth = _QUEUED_PER_WORKER * self.executor.workers
        while self.ready or self.delayed or inflight or self.unbundled:
            now = time.monotonic()
            while self.delayed and self.delayed[0][0] <= now:
                self.ready.append(heapq.heappop(self.delayed)[2])
            while (self.ready or self.unbundled) and len(inflight) < depth:
                bundle = self.next_bundle()
                for i in bundle:
                    self.rows[i].status = RunStatus.RUNNING
                future = self.executor.submit(
                    [self.task(i) for i in bundle], self.spec.timeout_seconds
                )
                inflight[future] = bundle
            self.tell()
            wait = 0.5 if not self.delayed else max(0.0, self.delayed[0][0] - now)
            if not inflight:
                time.sleep(min(wait, 0.5))
                continue
            done, _ = cf.wait(inflight, timeout=min(wait, 0.5), return_when=cf.FIRST_COMPLETED)
            for future in done:
                bundle = inflight.pop(future)
                exc = future.exception()
                if exc is not None:
                    self.lost(bundle, exc)
                    continue
                for outcome in future.result():
                    self.settle(outcome)
                    self.run_seconds += outcome.seconds
                    self.runs_timed += 1
        self.tell()


def run_batch(
    plan: BatchPlan,
    executor: BatchExecutor,
    *,
    registry: Registry | None = None,
    on_progress: ProgressCallback | None = None,
    close_executor: bool = True,
) -> BatchReport:
    """Run every planned run on ``executor``; return one row per run.

    The executor is started if it is not yet (shipping the plan's datasets) and closed at the end
    unless ``close_executor`` is False (a caller running several batches on the same data).

    With a ``registry``, the batch is recorded (a parent batch row, each attempt a child row, each
    final run a run record tagged ``batch:<id>``), and runs whose key already succeeded in it are
    skipped (status ``skipped``, metrics from the recorded result).
    """
    return _Batch(plan, executor, registry, on_progress, close_executor).run()

