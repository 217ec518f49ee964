"""Resume a recorded batch: replan it from its stored spec, so rerunning it skips what succeeded.

The spec is stored as given when the batch ran, relative data and strategy paths included; data
that is gone is refused with every missing file named, before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finbot.contracts import ConfigError

from ._batch_history import find_batch
from ._batch_plan import BatchPlan, plan_batch
from ._batch_spec import BatchSpec, parse_batch
from ._walkforward_plan import FoldJob, fold_plan, training_grid, walk_forward_pairs

if TYPE_CHECKING:
    from finbot.registry import Registry


@dataclass(frozen=True, slots=True)
class ResumePlan:
    """A recorded batch replanned: what runs again and what the registry lets it skip."""

    batch_id: str
    plan: BatchPlan
    total: int  # runs it plans (a walk-forward: its training runs; the winners' follow)
    done: int  # of those, runs whose key already succeeded (in any batch): skipped
    changed: int  # keys the stored batch recorded that the new plan no longer has

    @property
    def left(self) -> int:
        """Planned runs that will run."""
        return self.total - self.done

    def describe(self) -> str:
        """One or two lines saying what resuming will do."""
        if self.plan.spec.walk_forward is not None:
            text = (
                f"resuming batch {self.batch_id} (walk-forward) as a new walk-forward: "
                f"{self.done} of {self.total} training run(s) already succeeded and are "
                f"skipped, {self.left} to run; then each fold's winner out of sample (skipped "
                "where it already succeeded)"
            )
        else:
            text = (
                f"resuming batch {self.batch_id} as a new batch: {self.done} of {self.total} "
                f"run(s) already succeeded and are skipped, {self.left} to run"
            )
        if self.changed:
            text += (
                f"\nwarning: {self.changed} run key(s) recorded by batch {self.batch_id} are not "
                "in the new plan: the strategy's source, the data or the engine versions "
                "changed since, so those runs run anew"
            )
        return text


def plan_resume(
    registry: Registry, batch_id: str, *, execution: Mapping[str, Any] | None = None
) -> ResumePlan:
    """Replan a recorded batch from its stored spec (``execution`` overrides its settings).

    A walk-forward batch (its training or its out-of-sample half) replans the whole
    walk-forward; its runs that succeeded are skipped by key like any other.

    Raises:
        ConfigError: No such batch, the registry is read-only, or data files the batch read are
            gone (each named).
        BatchSpecError: The stored spec no longer validates or plans (say a strategy file is
            gone, or a field this version no longer takes); every problem listed.
    """
    record = find_batch(registry, batch_id)
    source = f"batch {record.batch_id}"
    if registry.read_only:
        raise ConfigError(
            f"registry {registry.location} is read-only: {source} cannot be resumed there"
        )
    payload = dict(record.spec)
    if execution:
        given: Mapping[str, Any] = payload.get("execution") or {}  # type: ignore[assignment]
        payload["execution"] = {**given, **execution}
    spec = parse_batch(payload, source=f"{source}'s stored spec")
    _check_data(spec, source)
    plan = plan_batch(spec, source=source)
    if spec.walk_forward is None:
        keys = [run.key for run in plan.runs]
        recorded = {row.run_key for row in registry.batches.rows(record.batch_id)}
        changed = len(recorded - set(keys))
    else:
        keys = _training_keys(plan)
        # Its out-of-sample half's keys depend on the winners: not compared.
        changed = 0
    done = registry.batches.succeeded(keys)
    return ResumePlan(
        batch_id=record.batch_id,
        plan=plan,
        total=len(keys),
        done=sum(key in done for key in keys),
        changed=changed,
    )


def _training_keys(plan: BatchPlan) -> list[str]:
    """The run keys of a walk-forward's training runs (every pair's every fold's grid).

    Raises:
        BatchSpecError: The walk-forward cannot be laid out (too few sessions, ...).
    """
    grid = training_grid(walk_forward_pairs(plan))
    jobs = [FoldJob(run, fold.train, ()) for _, fold, run in grid]
    return [run.key for run in fold_plan(plan, jobs).runs]


def _check_data(spec: BatchSpec, source: str) -> None:
    gone = [
        f"datasets[{i}]: {path}"
        for i, dataset in enumerate(spec.datasets)
        for path in dataset.paths
        if not Path(path).exists()
    ]
    if gone:
        listing = "\n".join(f"  - {line}" for line in gone)
        raise ConfigError(
            f"{source} cannot be resumed: {len(gone)} of its data file(s) are gone "
            f"(paths as given when it ran, relative ones from that directory):\n{listing}"
        )
