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
    "dataset",
    "data_files",
    "start",
    "end",
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


def _param_cell(value: Any) -> Any:
    return canonical_json(value) if isinstance(value, dict | list) else value


def _csv_row(
    record: RunRecord, param_names: Sequence[str], metric_names: Sequence[str]
) -> dict[str, Any]:
    config = record.config
    row: dict[str, Any] = {
        "run_id": record.run_id,
        "status": record.status.value,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "duration_seconds": record.duration_seconds,
        "strategy_id": record.strategy.id,
        "strategy_source_sha256": record.strategy.source_sha256,
        "dataset": config.dataset.name,
        "data_files": ";".join(config.dataset.paths),
        "start": config.start.isoformat() if config.start else None,
        "end": config.end.isoformat() if config.end else None,
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
    for name in param_names:
        row[f"params.{name}"] = _param_cell(record.strategy.params.get(name))
    for name in metric_names:
        row[f"metrics.{name}"] = (record.metrics or {}).get(name)
    return row


def write_csv(records: Sequence[Exported], out: TextIO) -> int:
    """A header and one row per record.

    Besides the run's identity: its dataset and dates, its strategy parameters as
    ``params.<name>`` and its metrics as ``metrics.<name>`` columns.
    """
    split = [_split(item) for item in records]
    param_names: list[str] = []
    metric_names: list[str] = []
    for r, _, _ in split:
        if r is None:
            continue
        param_names.extend(n for n in r.strategy.params if n not in param_names)
        metric_names.extend(n for n in (r.metrics or {}) if n not in metric_names)
    fields = [
        *CSV_COLUMNS,
        *(f"params.{n}" for n in param_names),
        *(f"metrics.{n}" for n in metric_names),
    ]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record, problem, run_id in split:
        if record is None:
            writer.writerow({"run_id": run_id, "integrity_error": problem})
        else:
            row = _csv_row(record, param_names, metric_names)
            writer.writerow({**row, "integrity_error": problem})
    return len(split)
