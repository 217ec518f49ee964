"""Export run records as JSON lines (complete) or CSV (one flat row per run)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from finbot.contracts import canonical_json

from ._record import RunRecord

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
)


def write_jsonl(records: Iterable[RunRecord], out: TextIO) -> int:
    """One canonical JSON object per record (every field); returns the count written."""
    count = 0
    for record in records:
        payload = record.model_dump(mode="json")
        payload["record_hash"] = record.record_hash
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
    }
    for name in metric_names:
        row[f"metrics.{name}"] = (record.metrics or {}).get(name)
    return row


def write_csv(records: Sequence[RunRecord], out: TextIO) -> int:
    """A header and one row per record, metrics as ``metrics.<name>`` columns."""
    metric_names: list[str] = []
    for r in records:
        metric_names.extend(n for n in (r.metrics or {}) if n not in metric_names)
    writer = csv.DictWriter(
        out, fieldnames=[*CSV_COLUMNS, *(f"metrics.{n}" for n in metric_names)], lineterminator="\n"
    )
    writer.writeheader()
    for record in records:
        writer.writerow(_csv_row(record, metric_names))
    return len(records)
