"""The sweep and walk-forward use cases: run a planned batch on its executor, record, summarize."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from ._batch import ProgressCallback, run_batch
from ._batch_plan import BatchPlan
from ._batch_report import BatchReport
from ._executors import BatchExecutor, make_executor
from ._recording import open_registry
from ._search_stats import batch_statistics
from ._walkforward import run_walk_forward
from ._walkforward_plan import walk_forward_pairs
from ._walkforward_report import WalkForwardReport

if TYPE_CHECKING:
    from finbot.registry import Registry


@contextlib.contextmanager
def _registry(location: str | None, record: bool) -> Iterator[Registry | None]:
    if not record:
        yield None
        return
    with open_registry(location) as registry:
        yield registry


def run_sweep(
    plan: BatchPlan,
    *,
    registry: str | None = None,
    record: bool = True,
    on_progress: ProgressCallback | None = None,
) -> BatchReport:
    """Run every run of a planned batch on the executor its spec names, and report.

    Args:
        plan: The validated batch (``plan_payload`` or ``plan_batch``).
        registry: Registry location (directory or URL; default ``$FINBOT_REGISTRY`` or ./.finbot).
        record: Record the batch and its runs, and skip runs whose key already succeeded there.
        on_progress: Called with the counts whenever a run changes state.

    Raises:
        ConfigError: The executor cannot start (no Dask scheduler there, dask not installed).
    """
    execution = plan.spec.execution
    executor = make_executor(
        execution.executor,
        workers=execution.workers,
        scheduler=execution.scheduler,
        dask_local=execution.dask_local,
        restart_stuck_workers=execution.restart_stuck_workers,
    )
    with _registry(registry, record) as reg:
        report = run_batch(plan, executor, registry=reg, on_progress=on_progress)
        snapshots = {run.dataset: run.config.dataset.snapshot_id or "" for run in plan.runs}
        stats = batch_statistics(report.rows, report.metric, reg, plan.strategy_id, snapshots)
    return replace(report, statistics=stats)


def walk_forward(
    plan: BatchPlan,
    *,
    registry: str | None = None,
    record: bool = True,
    on_progress: ProgressCallback | None = None,
) -> WalkForwardReport:
    """Walk-forward the plan's grid (see ``run_walk_forward``) on the executor its spec names.

    One walk-forward per (dataset, engine) pair of the plan, every training run in one batch and
    every out-of-sample run in another.

    Raises:
        ConfigError: A dataset or engine listed twice, too few sessions for the windows (a
            ``BatchSpecError`` listing each), or the executor cannot start.
    """
    execution = plan.spec.execution

    def executor() -> BatchExecutor:
        return make_executor(
            execution.executor,
            workers=execution.workers,
            scheduler=execution.scheduler,
            dask_local=execution.dask_local,
            restart_stuck_workers=execution.restart_stuck_workers,
        )

    walk_forward_pairs(plan)  # bad combinations are refused before the registry is opened
    with _registry(registry, record) as reg:
        return run_walk_forward(plan, executor, registry=reg, on_progress=on_progress)
