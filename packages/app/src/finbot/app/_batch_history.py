"""What the registry holds of past batches: their list, and one batch's runs with every attempt.

Read-only use cases behind ``finbot batches list`` / ``show``: the registry's batch tables are
insert-only (one row per attempt), so a run's final status is its last attempt's, and a run with
no row at all was never reached (the batch was stopped midway).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from finbot.contracts import ConfigError

from ._batch_labels import (
    dataset_label,
    datasets,
    engines,
    execution_text,
    grid_text,
    params_text,
    planned_labels,
    strategy,
)

if TYPE_CHECKING:
    from finbot.registry import BatchListing, BatchRecord, BatchRow, Registry, RunRecord

NOT_RUN = "not run"


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One line of ``finbot batches list``: a batch and its runs' final statuses."""

    batch_id: str
    created_at: str
    name: str | None
    strategy: str
    run_count: int
    counts: Mapping[str, int]  # final status (or ``not run``) -> runs

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "batch_id": self.batch_id,
            "created_at": self.created_at,
            "name": self.name,
            "strategy": self.strategy,
            "runs": self.run_count,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True, slots=True)
class RunHistory:
    """One run of a batch: what it was (when known) and every attempt recorded for it."""

    index: int
    attempts: tuple[BatchRow, ...]
    dataset: str | None = None
    engine: str | None = None
    params: Mapping[str, Any] | None = None  # the grid's values; None when not known
    metric: float | int | None = None  # the batch's ranking metric, for a run that succeeded
    reused: bool = False  # succeeded earlier under the same key; this batch skipped it

    @property
    def status(self) -> str:
        """``succeeded``, ``failed``, ``retried`` (stopped before its retry) or ``not run``."""
        return self.attempts[-1].status if self.attempts else NOT_RUN

    @property
    def failure_kind(self) -> str | None:
        """The last attempt's failure kind, for a run that failed."""
        return self.attempts[-1].failure_kind if self.attempts else None

    @property
    def run_id(self) -> str | None:
        """The registry run of its last attempt (a retried attempt has none)."""
        return self.attempts[-1].run_id if self.attempts else None

    @property
    def key(self) -> str | None:
        """Its run key, once an attempt was recorded."""
        return self.attempts[-1].run_key if self.attempts else None

    @property
    def outcome(self) -> str:
        """The final status in words: ``retried, then failed (timeout)``, ``not run``, ..."""
        if not self.attempts:
            return NOT_RUN
        last = self.attempts[-1]
        if last.status == "retried":
            final = "not run again (the batch stopped)"
        elif last.status == "failed":
            final = f"failed ({last.failure_kind})" if last.failure_kind else "failed"
        elif self.reused:
            final = "succeeded (in an earlier batch; skipped)"
        else:
            final = last.status
        retried = len(self.attempts) > 1 or last.status == "retried"
        return f"retried, then {final}" if retried else final

    def history(self) -> list[str]:
        """One line per attempt: its number, status, failure kind and error."""
        lines = []
        for row in self.attempts:
            text = f"attempt {row.attempt}: {row.status}"
            if row.failure_kind:
                text += f" ({row.failure_kind})"
            if row.error:
                text += f": {row.error}"
            lines.append(text)
        return lines

    def to_json(self) -> dict[str, Any]:
        """The run as JSON-ready data, every attempt included."""
        return {
            "index": self.index,
            "dataset": self.dataset,
            "engine": self.engine,
            "params": None if self.params is None else dict(self.params),
            "status": self.status,
            "outcome": self.outcome,
            "failure_kind": self.failure_kind if self.status == "failed" else None,
            "run_id": self.run_id,
            "run_key": self.key,
            "metric": self.metric,
            "reused": self.reused,
            "attempts": [
                {
                    "attempt": row.attempt,
                    "status": row.status,
                    "failure_kind": row.failure_kind,
                    "error": row.error,
                    "run_id": row.run_id,
                    "seconds": row.seconds,
                    "recorded_at": row.recorded_at,
                }
                for row in self.attempts
            ],
        }


@dataclass(frozen=True, slots=True)
class BatchHistory:
    """One batch as recorded: its spec and every run's final status and attempts."""

    record: BatchRecord
    strategy: str
    runs: tuple[RunHistory, ...]
    role: str | None = None  # a walk-forward's half: ``training`` or ``out of sample``

    @property
    def spec(self) -> Mapping[str, Any]:
        """The batch spec as stored when the batch started."""
        return self.record.spec

    @property
    def is_walk_forward(self) -> bool:
        """True for the training or the out-of-sample half of a walk-forward."""
        return self.spec.get("walk_forward") is not None

    def counts(self) -> dict[str, int]:
        """Runs by final status (``not run`` included)."""
        return dict(Counter(run.status for run in self.runs))

    def failure_counts(self) -> dict[str, int]:
        """Runs that finally failed, by failure kind."""
        return dict(
            Counter(run.failure_kind or "unknown" for run in self.runs if run.status == "failed")
        )

    def retry_counts(self) -> dict[str, int]:
        """Attempts that were retried, by the failure kind that made them retry."""
        return dict(
            Counter(
                row.failure_kind or "unknown"
                for run in self.runs
                for row in run.attempts
                if row.status == "retried"
            )
        )

    @property
    def unfinished(self) -> int:
        """Runs the batch never finished: not run, or stopped before a retry."""
        return sum(run.status in (NOT_RUN, "retried") for run in self.runs)

    def summary(self) -> dict[str, str]:
        """The spec in a few labelled lines: strategy, data, engines, grid, window, execution."""
        spec = self.spec
        execution = spec.get("execution") or {}
        lines = {
            "batch": self.record.batch_id,
            "name": self.record.name or "-",
            "created (UTC)": self.record.created_at[:19],
            "strategy": self.strategy,
            "datasets": ", ".join(dataset_label(d) for d in datasets(spec)),
            "engines": ", ".join(engines(spec)),
            "grid": grid_text(spec.get("grid") or {}),
            "fixed params": params_text(spec.get("params") or {}),
            "window": f"{spec.get('start') or 'start'} .. {spec.get('end') or 'end'}",
            "metric": str(spec.get("metric", "sharpe")),
            "runs": str(self.record.run_count),
            "execution": execution_text(execution),
        }
        walk = spec.get("walk_forward")
        if walk:
            settings = ", ".join(f"{k}={v}" for k, v in walk.items())
            lines["walk-forward"] = f"{self.role} runs; {settings}" if self.role else settings
        if spec.get("tags"):
            lines["tags"] = ", ".join(spec["tags"])
        return lines

    def finish_hint(self) -> str | None:
        """How to finish a batch with runs it never ran; None when every run finished."""
        left = self.unfinished
        if not left:
            return None
        again = "walkforward" if self.is_walk_forward else "batch FILE` or `finbot sweep"
        return (
            f"{left} run(s) of this batch were not run to the end: "
            f"`finbot batches resume {self.record.batch_id}` (or the same `finbot {again}` "
            "command) finishes them as a new batch; runs whose key already succeeded are "
            "skipped (failed runs run again)."
        )

    def to_json(self) -> dict[str, Any]:
        """The batch as JSON-ready data: spec, counts and every run with its attempts."""
        return {
            "batch_id": self.record.batch_id,
            "created_at": self.record.created_at,
            "name": self.record.name,
            "strategy": self.strategy,
            "run_count": self.record.run_count,
            "walk_forward_role": self.role,
            "spec": dict(self.spec),
            "counts": self.counts(),
            "failures": self.failure_counts(),
            "retries": self.retry_counts(),
            "hint": self.finish_hint(),
            "runs": [run.to_json() for run in self.runs],
        }


def list_batches(registry: Registry, *, limit: int | None = None) -> list[BatchSummary]:
    """Every batch in the registry, newest first, with its runs' final status counts."""
    return [_summary(listing) for listing in registry.batches.list(limit=limit)]


def _summary(listing: BatchListing) -> BatchSummary:
    record = listing.record
    counts = dict(listing.final)
    if listing.not_run > 0:
        counts[NOT_RUN] = listing.not_run
    return BatchSummary(
        batch_id=record.batch_id,
        created_at=record.created_at,
        name=record.name,
        strategy=strategy(record.spec),
        run_count=record.run_count,
        counts=counts,
    )


def batch_history(registry: Registry, batch_id: str) -> BatchHistory:
    """One batch: its spec, and each run's attempts, final status and run record's labels.

    A run's dataset, engine and grid values come from its run record; a run with none (never
    run, or lost before it was recorded) takes them from the stored spec's grid, when that grid
    expands to the batch's runs in an order the recorded runs agree with.

    Raises:
        ConfigError: No batch has that id (a batch id or a unique prefix of 6+ characters).
    """
    record = find_batch(registry, batch_id)
    rows = registry.batches.rows(record.batch_id)
    by_index: dict[int, list[BatchRow]] = {}
    for row in rows:
        by_index.setdefault(row.run_index, []).append(row)
    spec: Mapping[str, Any] = record.spec
    metric = str(spec.get("metric", "sharpe"))
    grid_keys = list(spec.get("grid") or {})
    own_runs = _own_records(registry, record.batch_id)
    known: dict[int, tuple[str, str, dict[str, Any], float | int | None]] = {}
    for index, tried in by_index.items():
        run_id = tried[-1].run_id
        if run_id is None:
            continue
        labels = _record_labels(registry, own_runs.get(run_id), run_id, grid_keys, metric)
        if labels is not None:
            known[index] = labels
    planned: Mapping[int, tuple[str | None, str | None, dict[str, Any] | None]]
    planned = planned_labels(spec, record.run_count, {i: k[:3] for i, k in known.items()})
    runs = []
    for index in range(record.run_count):
        attempts = tuple(by_index.get(index, ()))
        dataset: str | None
        engine: str | None
        params: dict[str, Any] | None
        value: float | int | None
        if index in known:
            dataset, engine, params, value = known[index]
        else:
            dataset, engine, params = planned.get(index, (None, None, None))
            value = None
        last = attempts[-1] if attempts else None
        reused = (
            last is not None
            and last.status == "succeeded"
            and last.run_id is not None
            and last.run_id not in own_runs
        )
        runs.append(
            RunHistory(
                index=index,
                attempts=attempts,
                dataset=dataset,
                engine=engine,
                params=params,
                metric=value if last is not None and last.status == "succeeded" else None,
                reused=reused,
            )
        )
    return BatchHistory(
        record=record,
        strategy=strategy(record.spec),
        runs=tuple(runs),
        role=_walk_forward_role(own_runs.values()) if spec.get("walk_forward") else None,
    )


def find_batch(registry: Registry, batch_id: str) -> BatchRecord:
    """A batch by id or unique prefix of 6+ characters.

    Raises:
        ConfigError: No batch has that id, or the prefix matches several.
    """
    from finbot.registry import RunNotFoundError

    try:
        return registry.batches.get(batch_id)
    except RunNotFoundError as exc:
        raise ConfigError(
            f"{exc} in registry {registry.location} "
            "(`finbot batches list` shows the batches there)"
        ) from exc


def _own_records(registry: Registry, batch_id: str) -> dict[str, RunRecord | None]:
    """The runs this batch recorded itself (tagged ``batch:<id>``), not those it reused.

    One scan for all of them; a record that does not verify maps to None.
    """
    return {item.run_id: item.record for item in registry.scan(tag=f"batch:{batch_id}")}


def _walk_forward_role(records: Iterable[RunRecord | None]) -> str | None:
    """Which half of a walk-forward recorded these runs, by their fold tags (None: unknown)."""
    roles = {
        tag.rsplit(":", 1)[1]
        for record in records
        if record is not None
        for tag in record.tags
        if tag.startswith("fold:")
    }
    names = {"train": "training", "test": "out of sample"}
    return names.get(roles.pop()) if len(roles) == 1 else None


def _record_labels(
    registry: Registry,
    record: RunRecord | None,
    run_id: str,
    grid_keys: Sequence[str],
    metric: str,
) -> tuple[str, str, dict[str, Any], float | int | None] | None:
    from finbot.registry import RegistryError

    try:
        record = record or registry.get(run_id)  # a reused run: recorded by another batch
        config = record.config
    except RegistryError:
        return None  # its record is gone or does not verify: the spec labels it, if it can
    params = config.strategy.params
    values = {k: params[k] for k in grid_keys if k in params}
    value = (record.metrics or {}).get(metric)
    return config.dataset.name, config.engine, values, value
