"""A batch's outcome: one row per run, progress counts, ranking by a metric, the JSON payload."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from finbot.contracts import Metrics

from ._taxonomy import FailureKind, RunStatus

if TYPE_CHECKING:
    import pandas as pd

# Metrics where a smaller value is the better run; every other metric is maximized.
LOWER_IS_BETTER = frozenset(
    {"annual_volatility", "max_drawdown", "max_drawdown_duration_days", "total_commission"}
)


METRIC_COLUMNS = tuple(Metrics.model_fields)


def outcome_record(row: RunRow | None) -> dict[str, Any]:
    """How a run ended: status, attempts, failure, error, seconds, run id, every metric.

    All None for no run (a fold without a winner); a metric is None where the run has none.
    """
    metrics = row.metrics.model_dump() if row is not None and row.metrics else {}
    return {
        "status": row.status.value if row else None,
        "attempts": row.attempts if row else None,
        "failure": row.failure.value if row and row.failure else None,
        "error": row.error if row else None,
        "seconds": row.seconds if row else None,
        "run_id": row.run_id if row else None,
        **{name: metrics.get(name) for name in METRIC_COLUMNS},
    }


def params_record(params: Mapping[str, JsonValue], taken: set[str]) -> dict[str, Any]:
    """The parameters as columns; one named like a column in ``taken`` is prefixed ``param_``."""
    return {(f"param_{k}" if k in taken else k): v for k, v in params.items()}


def rows_frame(rows: Sequence[RunRow], index_name: str = "run") -> pd.DataFrame:
    """One DataFrame row per run (``RunRow.to_record``), indexed by the run's place in its batch."""
    import pandas as pd

    frame = pd.DataFrame.from_records(
        [row.to_record() for row in rows], index=[row.index for row in rows]
    )
    frame.index.name = index_name
    return frame


@dataclass(slots=True)
class RunRow:
    """The state of one run of a batch (mutable while the batch runs)."""

    index: int
    key: str
    dataset: str
    engine: str
    params: Mapping[str, JsonValue]
    status: RunStatus = RunStatus.QUEUED
    attempts: int = 0
    run_id: str | None = None
    metrics: Metrics | None = None
    days: tuple[date, ...] = ()
    daily_returns: tuple[float, ...] = ()
    failure: FailureKind | None = None
    error: str | None = None
    seconds: float | None = None
    history: list[str] = field(default_factory=list)
    # Set for a run scored from a later session than it started on (``PlannedRun.scored_from``):
    # its metrics and daily returns cover only those sessions; ``open_at_start`` says it held a
    # position when they began (opened on an earlier bar).
    scored_from: date | None = None
    open_at_start: bool | None = None

    def metric(self, name: str) -> float | None:
        """The run's value of one metric (None when it failed or the metric is undefined)."""
        if self.metrics is None:
            return None
        value = getattr(self.metrics, name)
        return None if value is None or not math.isfinite(value) else float(value)

    def to_record(self) -> dict[str, Any]:
        """The row as one flat record: params, status, failure, then every metric (None if none).

        A parameter named like another column is prefixed ``param_``.
        """
        outcome = outcome_record(self)
        params = params_record(self.params, {"dataset", "engine", *outcome})
        return {"dataset": self.dataset, "engine": self.engine, **params, **outcome}

    def to_payload(self) -> dict[str, Any]:
        """The row as JSON-ready values."""
        return {
            "index": self.index,
            "run_key": self.key,
            "dataset": self.dataset,
            "engine": self.engine,
            "params": dict(self.params),
            "status": self.status.value,
            "attempts": self.attempts,
            "run_id": self.run_id,
            "failure": self.failure.value if self.failure else None,
            "error": self.error,
            "seconds": self.seconds,
            "history": list(self.history),
            "metrics": self.metrics.model_dump(mode="json") if self.metrics else None,
        }


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Counts at one moment of a batch, for a live display."""

    total: int
    succeeded: int
    failed: int
    skipped: int
    running: int
    retries: int
    elapsed_seconds: float

    @property
    def done(self) -> int:
        """Runs that reached a final state (succeeded, failed or skipped)."""
        return self.succeeded + self.failed + self.skipped


def rank(rows: Sequence[RunRow], metric: str) -> list[RunRow]:
    """Rows best first by ``metric``; failed runs and undefined values last, in index order."""

    def sort_key(row: RunRow) -> tuple[int, float, int]:
        value = row.metric(metric)
        if value is None:
            return (1, 0.0, row.index)
        return (0, value if metric in LOWER_IS_BETTER else -value, row.index)

    return sorted(rows, key=sort_key)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What a batch did: its id, every run's row, and how it ran."""

    batch_id: str | None
    strategy: str
    metric: str
    rows: tuple[RunRow, ...]
    executor: str
    workers: int
    bundle_size: int  # the most runs one task held (tasks shrink towards the end)
    elapsed_seconds: float
    statistics: Mapping[str, Any] = field(default_factory=dict)

    def count(self, status: RunStatus) -> int:
        """How many runs ended in ``status``."""
        return sum(1 for r in self.rows if r.status is status)

    @property
    def ok(self) -> bool:
        """True when no run failed."""
        return self.count(RunStatus.FAILED) == 0

    def ranked(self) -> list[RunRow]:
        """Rows best first by the batch's metric."""
        return rank(self.rows, self.metric)

    def to_frame(self) -> pd.DataFrame:
        """Every run as a pandas DataFrame, one row per run in batch order (pandas loaded here).

        Columns: ``dataset``, ``engine``, one per grid parameter, ``status``, ``attempts``,
        ``failure``, ``error``, ``seconds``, ``run_id``, then every metric (NaN for a failed run).
        """
        return rows_frame(self.rows)

    def to_payload(self) -> dict[str, Any]:
        """The machine-readable report ``--json`` prints."""
        return {
            "batch_id": self.batch_id,
            "strategy": self.strategy,
            "metric": self.metric,
            "executor": self.executor,
            "workers": self.workers,
            "bundle_size": self.bundle_size,
            "elapsed_seconds": self.elapsed_seconds,
            "counts": {s.value: self.count(s) for s in RunStatus if self.count(s)},
            "ok": self.ok,
            "statistics": dict(self.statistics),
            "runs": [row.to_payload() for row in self.ranked()],
        }
