"""Walk-forward analysis: optimize the grid in each training window, run the winner out of sample.

One walk-forward per (dataset, engine) pair of the batch, each over its own dataset's folds
(``_walkforward_windows``). Every pair's every fold's training grid runs in one batch, then every
winner on its test window in a second one, so the executor stays full. Every training run sees
only its training window's bars. A winner's out-of-sample run starts its warm-up sessions before
the test window (ADR 0031); its figures cover the test window's sessions only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ._batch import ProgressCallback, run_batch
from ._batch_plan import BatchPlan, PlannedRun
from ._batch_report import BatchProgress, RunRow, rank
from ._batch_spec import WalkForwardSpec
from ._executors import BatchExecutor
from ._search_stats import registry_trials, search_statistics
from ._walkforward_plan import FoldJob, Pair, fold_plan, training_grid, walk_forward_pairs
from ._walkforward_report import FoldResult, PairWalkForward, WalkForwardReport, stitch
from ._walkforward_windows import Fold

if TYPE_CHECKING:
    from finbot.registry import Registry

# A recorded test run's tag naming the test window it is scored on (first..last session); the
# cohort page (finbot.reports ``_folds``) reads it.
TEST_WINDOW_TAG = "test-window:"


def run_walk_forward(
    plan: BatchPlan,
    make_executor: Callable[[], BatchExecutor],
    *,
    registry: Registry | None = None,
    on_progress: ProgressCallback | None = None,
) -> WalkForwardReport:
    """Walk-forward the plan's grid on each of its (dataset, engine) pairs.

    Raises:
        BatchSpecError: Before any run: an engine or dataset listed twice, two datasets under
            one name, or a dataset with too few sessions for the windows (every one listed).
    """
    spec = plan.spec
    pairs = walk_forward_pairs(plan)
    # Each recorded run carries the walk-forward's tag and its fold and role (fold:K:train or
    # fold:K:test); its config names the pair, so the cohort page lays out each pair's folds.
    tag = f"walkforward:{uuid.uuid4().hex[:12]}" if registry is not None else None
    grids = training_grid(pairs)
    training = fold_plan(
        plan, [FoldJob(run, f.train, _fold_tags(tag, f, "train")) for _, f, run in grids]
    )
    stages = _Stages(on_progress, sum(len(p.folds) for p in pairs))
    executor = make_executor()
    try:
        train_report = run_batch(
            training, executor, registry=registry, on_progress=stages.training,
            close_executor=False,
        )
        # The training batch holds each pair's each fold's grid, in that order.
        spans: dict[tuple[int, int], list[RunRow]] = {}
        for (i, f, _), row in zip(grids, train_report.rows, strict=True):
            spans.setdefault((i, f.index), []).append(row)
        winners = {key: _winner(rows, spec.metric) for key, rows in spans.items()}
        wf = spec.walk_forward or WalkForwardSpec()
        tests = [
            ((i, f.index), _test_job(plan, wf, p, f, _grid_run(p, w), tag))
            for i, p in enumerate(pairs) for f in p.folds
            if (w := winners[(i, f.index)]) is not None
        ]
        test_report = (
            run_batch(fold_plan(plan, [job for _, job in tests]), executor,
                      registry=registry, on_progress=stages.testing)
            if tests
            else replace(train_report, rows=(), batch_id=None)
        )
    finally:
        executor.close()
    oos = {key: row for (key, _), row in zip(tests, test_report.rows, strict=True)}
    starts = {key: job.window[0] for key, job in tests}
    trials: dict[str, list[float]] = {}
    results = []
    for i, p in enumerate(pairs):
        snapshot = p.runs[0].config.dataset.snapshot_id or ""
        if registry is not None and snapshot not in trials:
            trials[snapshot] = registry_trials(registry, plan.strategy_id, snapshot)
        folds = tuple(
            FoldResult(
                fold=f,
                winner=winners[(i, f.index)],
                out_of_sample=oos.get((i, f.index)),
                statistics=search_statistics(
                    spans[(i, f.index)], spec.metric, trials.get(snapshot, [])
                ),
                run_start=starts.get((i, f.index)),
                warmup_sessions=(
                    p.sessions.index(f.test[0]) - p.sessions.index(starts[(i, f.index)])
                    if (i, f.index) in starts else 0
                ),
            )
            for f in p.folds
        )
        results.append(PairWalkForward(p.dataset, p.engine, folds, stitch(folds, spec.cash)))
    return WalkForwardReport(
        metric=spec.metric,
        pairs=tuple(results),
        training=train_report,
        testing=test_report,
        tag=tag,
    )


class _Stages:
    """One progress count over both batches: training, then the out-of-sample runs.

    While training, the total counts one out-of-sample run per fold to come; the testing
    batch's counts are added to where training ended (a fold without a winner drops its run).
    """

    def __init__(self, on_progress: ProgressCallback | None, tests: int) -> None:
        self.on_progress, self.tests = on_progress, tests
        self.trained: BatchProgress | None = None

    def training(self, p: BatchProgress) -> None:
        self.trained = p
        if self.on_progress is not None:
            self.on_progress(replace(p, total=p.total + self.tests))

    def testing(self, p: BatchProgress) -> None:
        t = self.trained
        if self.on_progress is None or t is None:
            return
        self.on_progress(BatchProgress(
            total=t.total + p.total,
            succeeded=t.succeeded + p.succeeded,
            failed=t.failed + p.failed,
            skipped=t.skipped + p.skipped,
            running=p.running,
            retries=t.retries + p.retries,
            elapsed_seconds=t.elapsed_seconds + p.elapsed_seconds,
        ))


def _test_job(
    plan: BatchPlan, wf: WalkForwardSpec, pair: Pair, fold: Fold, run: PlannedRun,
    tag: str | None,
) -> FoldJob:
    """The winner's out-of-sample run: its warm-up sessions, then the test window it is scored on.

    The warm-up is ``wf.warmup_sessions`` when given, else the strategy's ``warmup_bars()``
    under the winner's parameters (bars of daily data are sessions); it stops at the pair's
    first session. A recorded run is tagged with its test window (the cohort page cuts there).
    """
    warmup = wf.warmup_sessions
    if warmup is None:
        cls = plan.strategy_cls
        warmup = cls(cls.make_params(run.config.strategy.params)).warmup_bars()
    window = (pair.warmup_start(fold, warmup), fold.test[1])
    tags = _fold_tags(tag, fold, "test")
    if tag is not None:
        tags = (*tags, f"{TEST_WINDOW_TAG}{fold.test[0]}..{fold.test[1]}")
    return FoldJob(run, window, tags, scored_from=fold.test[0])


def _grid_run(pair: Pair, winner: RunRow) -> PlannedRun:
    """The pair's grid run with the winner's parameters."""
    return next(r for r in pair.runs if r.params == winner.params)


def _winner(rows: Sequence[RunRow], metric: str) -> RunRow | None:
    best = rank(rows, metric)
    return best[0] if best and best[0].metric(metric) is not None else None


def _fold_tags(tag: str | None, fold: Fold, role: str) -> tuple[str, ...]:
    return () if tag is None else (tag, f"fold:{fold.index}:{role}")
