"""Walk-forward analysis: optimize the grid in each training window, run the winner out of sample.

Windows are counted in sessions of the dataset. The test windows are the last ``folds`` blocks of
``test_sessions``, each ``embargo_sessions`` after the one before; a fold's training window ends
``purge_sessions`` before its test window starts, and is ``train_sessions`` long (rolling) or starts
at the first session (anchored). Every training run sees only its training window's bars.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from finbot.contracts import ConfigError, session_date

from ._batch import ProgressCallback, run_batch
from ._batch_plan import BatchPlan, PlannedRun, plan_batch
from ._batch_report import BatchReport, RunRow, rank
from ._batch_spec import BatchSpec, WalkForwardSpec
from ._executors import BatchExecutor
from ._search_stats import SESSIONS_PER_YEAR, registry_trials, search_statistics

if TYPE_CHECKING:
    from finbot.registry import Registry


@dataclass(frozen=True, slots=True)
class Fold:
    """One fold: its training and test windows (first and last session, inclusive)."""

    index: int
    train: tuple[date, date]
    test: tuple[date, date]


def walk_forward_windows(sessions: Sequence[date], wf: WalkForwardSpec) -> list[Fold]:
    """The folds over ``sessions`` (sorted, distinct) that ``wf`` describes.

    Raises:
        ConfigError: The sessions are too few for the folds, windows and gaps asked for.
    """
    n, k = len(sessions), wf.folds
    test = wf.test_sessions or n // (k + 1)
    first_test = n - (k * test + (k - 1) * wf.embargo_sessions)
    train = wf.train_sessions or first_test - wf.purge_sessions
    if test < 1 or train < 1 or first_test - wf.purge_sessions - train < 0:
        raise ConfigError(
            f"walk_forward: {n} sessions are too few for {k} folds of {test} test sessions, "
            f"{train} training sessions, purge {wf.purge_sessions} and embargo "
            f"{wf.embargo_sessions}"
        )
    folds = []
    for i in range(k):
        t0 = first_test + i * (test + wf.embargo_sessions)
        end = t0 - wf.purge_sessions  # the training window ends before this session
        begin = 0 if wf.anchored else end - train
        folds.append(
            Fold(i, (sessions[begin], sessions[end - 1]), (sessions[t0], sessions[t0 + test - 1]))
        )
    return folds


def merge_plans(plans: Sequence[BatchPlan]) -> tuple[BatchPlan, list[range]]:
    """One plan running every plan's runs (renumbered), and each plan's index range in it."""
    runs: list[PlannedRun] = []
    spans = []
    for plan in plans:
        offset = len(runs)
        spans.append(range(offset, offset + len(plan.runs)))
        runs.extend([replace(run, index=offset + i) for i, run in enumerate(plan.runs)])
    first = plans[0]
    data = {k: v for p in plans for k, v in p.data.items()}
    windows = {k: v for p in plans for k, v in p.windows.items()}
    return replace(first, runs=tuple(runs), data=data, windows=windows), spans


@dataclass(frozen=True, slots=True)
class FoldResult:
    """A fold's winner in sample and how it did out of sample."""

    fold: Fold
    winner: RunRow | None
    out_of_sample: RunRow | None
    statistics: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WalkForwardReport:
    """Every fold, the stitched out-of-sample equity and the summary figures."""

    metric: str
    folds: tuple[FoldResult, ...]
    equity: tuple[tuple[date, float], ...]
    training: BatchReport
    testing: BatchReport
    tag: str | None = None  # every recorded run's tag (`runs compare --tag` shows the folds)

    @property
    def oos_returns(self) -> list[float]:
        """Daily out-of-sample returns, fold after fold."""
        return [r for f in self.folds if f.out_of_sample for r in f.out_of_sample.daily_returns]

    def summary(self) -> dict[str, Any]:
        """Total return, annualized Sharpe ratio and mean PBO of the walk-forward."""
        returns = self.oos_returns
        total = math.prod(1 + r for r in returns) - 1 if returns else None
        sharpe = None
        if len(returns) > 2 and statistics.stdev(returns) > 0:
            sharpe = statistics.fmean(returns) / statistics.stdev(returns) * math.sqrt(
                SESSIONS_PER_YEAR
            )
        pbos = [f.statistics["pbo"]["pbo"] for f in self.folds if "pbo" in f.statistics]
        return {
            "oos_total_return": total,
            "oos_sharpe": sharpe,
            "oos_days": len(returns),
            "mean_pbo": statistics.fmean(pbos) if pbos else None,
        }

    def to_payload(self) -> dict[str, Any]:
        """The machine-readable walk-forward report."""
        return {
            "metric": self.metric,
            "summary": self.summary(),
            "tag": self.tag,
            "training_batch_id": self.training.batch_id,
            "testing_batch_id": self.testing.batch_id,
            "folds": [
                {
                    "fold": f.fold.index,
                    "train": [d.isoformat() for d in f.fold.train],
                    "test": [d.isoformat() for d in f.fold.test],
                    "winner": f.winner.to_payload() if f.winner else None,
                    "out_of_sample": f.out_of_sample.to_payload() if f.out_of_sample else None,
                    "statistics": f.statistics,
                }
                for f in self.folds
            ],
            "equity": [[d.isoformat(), v] for d, v in self.equity],
        }


def _sessions(plan: BatchPlan) -> list[date]:
    [window] = plan.windows.values()
    return sorted({session_date(ts) for series in window for ts in series.ts_ns})


def _stitch(folds: Sequence[FoldResult], cash: float) -> tuple[tuple[date, float], ...]:
    equity, points = cash, []
    for f in folds:
        if f.out_of_sample is None:
            continue
        for day, r in zip(f.out_of_sample.days, f.out_of_sample.daily_returns, strict=True):
            equity *= 1 + r
            points.append((day, equity))
    return tuple(points)


def run_walk_forward(
    plan: BatchPlan,
    make_executor: Callable[[], BatchExecutor],
    *,
    registry: Registry | None = None,
    on_progress: ProgressCallback | None = None,
) -> WalkForwardReport:
    """Walk-forward the plan's grid (one dataset, one engine) over its walk-forward windows.

    Raises:
        ConfigError: More than one dataset or engine, or too few sessions for the windows.
    """
    spec = plan.spec
    if len({(r.dataset, r.engine) for r in plan.runs}) != 1 or len(plan.windows) != 1:
        raise ConfigError("walk-forward runs one dataset on one engine; give one of each")
    wf = spec.walk_forward or WalkForwardSpec()
    folds = walk_forward_windows(_sessions(plan), wf)
    # Each recorded run carries the walk-forward's tag and its fold and role (fold:K:train or
    # fold:K:test), so the cohort page can lay the folds out again.
    tag = f"walkforward:{uuid.uuid4().hex[:12]}" if registry is not None else None
    executor = make_executor()
    try:
        training, spans = merge_plans(
            [_on(spec, f.train, None, _fold_tags(tag, f, "train")) for f in folds]
        )
        train_report = run_batch(
            training, executor, registry=registry, on_progress=on_progress, close_executor=False
        )
        winners = [_winner([train_report.rows[i] for i in span], spec.metric) for span in spans]
        picked = [(f, w) for f, w in zip(folds, winners, strict=True) if w is not None]
        testing, test_spans = merge_plans(
            [_on(spec, f.test, dict(w.params), _fold_tags(tag, f, "test")) for f, w in picked]
        ) if picked else (None, [])
        test_report = (
            run_batch(testing, executor, registry=registry, on_progress=on_progress)
            if testing is not None
            else replace(train_report, rows=(), batch_id=None)
        )
    finally:
        executor.close()
    oos = {
        f.index: test_report.rows[span[0]]
        for (f, _), span in zip(picked, test_spans, strict=True)
    }
    snapshot = next(iter(plan.data))
    trials = registry_trials(registry, plan.strategy_id, snapshot) if registry else []
    results = tuple(
        FoldResult(
            fold=f,
            winner=w,
            out_of_sample=oos.get(f.index),
            statistics=search_statistics([train_report.rows[i] for i in span], spec.metric, trials),
        )
        for f, w, span in zip(folds, winners, spans, strict=True)
    )
    return WalkForwardReport(
        metric=spec.metric,
        folds=results,
        equity=_stitch(results, spec.cash),
        training=train_report,
        testing=test_report,
        tag=tag,
    )


def _winner(rows: Sequence[RunRow], metric: str) -> RunRow | None:
    best = rank(rows, metric)
    return best[0] if best and best[0].metric(metric) is not None else None


def _fold_tags(tag: str | None, fold: Fold, role: str) -> tuple[str, ...]:
    return () if tag is None else (tag, f"fold:{fold.index}:{role}")


def _on(
    spec: BatchSpec,
    window: tuple[date, date],
    params: dict[str, Any] | None,
    tags: tuple[str, ...],
) -> BatchPlan:
    grid = spec.grid if params is None else {k: [v] for k, v in params.items()}
    fold_spec = spec.model_copy(update={"start": window[0], "end": window[1], "grid": grid})
    plan = plan_batch(fold_spec, source="walk-forward fold")
    return replace(plan, runs=tuple(replace(r, tags=tags) for r in plan.runs))
