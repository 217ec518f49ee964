"""Export run records as JSON lines (complete) or CSV (one flat row per run).

A run whose record does not verify (a ``ListedRun`` with a problem) is exported as its run id and
``integrity_error``, so one bad record never hides the others.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from finbot.contracts import canonical_json

from ._record import RunRecord
from ._verify import ListedRun

Exported = RunRecord | ListedRun

CSV_COLUMNS = (
    "run_id",
    "status",
    "started_at",
    "finished_at",
    "duration_seconds",
    "strategy_id",
    "strategy_source_sha256",
    "engine_name",
    "engine_version",
    "config_hash",
    "seed",
    "data_snapshot_id",
    "result_hash",
    "record_hash",
    "python",
    "git_commit",
    "git_dirty",
    "tags",
    "error",
    "integrity_error",
)


def _split(item: Exported) -> tuple[RunRecord | None, str | None, str]:
    if isinstance(item, RunRecord):
        return item, None, item.run_id
    return item.record, item.problem, item.run_id


def write_jsonl(records: Iterable[Exported], out: TextIO) -> int:
    """One canonical JSON object per record (every field); returns the count written."""
    count = 0
    for item in records:
        record, problem, run_id = _split(item)
        if record is None:
            payload: dict[str, Any] = {"run_id": run_id, "integrity_error": problem}
        else:
            payload = record.model_dump(mode="json")
            payload["record_hash"] = record.record_hash
            payload["integrity_error"] = problem
        out.write(canonical_json(payload) + "\n")
        count += 1
    return count


def _csv_row(record: RunRecord, metric_names: Sequence[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": record.run_id,
        "status": record.status.value,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "duration_seconds": record.duration_seconds,
        "strategy_id": record.strategy.id,
        "strategy_source_sha256": record.strategy.source_sha256,
        "engine_name": record.engine_name,
        "engine_version": record.engine.version if record.engine else None,
        "config_hash": record.config_hash,
        "seed": record.seed,
        "data_snapshot_id": record.data_snapshot_id,
        "result_hash": record.result_hash,
        "record_hash": record.record_hash,
        "python": record.environment.python,
        "git_commit": record.environment.git_commit,
        "git_dirty": record.environment.git_dirty,
        "tags": ";".join(record.tags),
        "error": record.error,
        "integrity_error": None,
    }
    for name in metric_names:
        row[f"metrics.{name}"] = (record.metrics or {}).get(name)
    return row


def write_csv(records: Sequence[Exported], out: TextIO) -> int:
    """A header and one row per record, metrics as ``metrics.<name>`` columns."""
    split = [_split(item) for item in records]
    metric_names: list[str] = []
    for r, _, _ in split:
        metric_names.extend(n for n in ((r.metrics if r else None) or {}) if n not in metric_names)
    writer = csv.DictWriter(
        out, fieldnames=[*CSV_COLUMNS, *(f"metrics.{n}" for n in metric_names)], lineterminator="\n"
    )
    writer.writeheader()
    for record, problem, run_id in split:
        if record is None:
            writer.writerow({"run_id": run_id, "integrity_error": problem})
        else:
            writer.writerow({**_csv_row(record, metric_names), "integrity_error": problem})
    return len(split)
