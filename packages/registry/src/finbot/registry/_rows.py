"""Rows <-> records: the query joining runs to their chain entries, and the checked rebuild."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, and_, select

from . import _chain
from ._artifacts import sha256_hex
from ._errors import RegistryIntegrityError
from ._record import RunRecord, RunStatus, outcome_hash, start_hash
from ._schema import record_chain, run_outcomes, runs

RESULT_ARTIFACT = "result.json"

_START_ENTRY = record_chain.alias("start_entry")
_OUTCOME_ENTRY = record_chain.alias("outcome_entry")


def joined() -> Any:
    """Each run's start and outcome rows with the hash-chain entries that sealed them."""
    return select(
        runs,
        run_outcomes,
        _START_ENTRY.c.record_hash.label("start_sealed"),
        _OUTCOME_ENTRY.c.record_hash.label("outcome_sealed"),
    ).select_from(
        runs.outerjoin(run_outcomes, runs.c.run_id == run_outcomes.c.run_id)
        .outerjoin(
            _START_ENTRY,
            and_(_START_ENTRY.c.run_id == runs.c.run_id, _START_ENTRY.c.part == _chain.START),
        )
        .outerjoin(
            _OUTCOME_ENTRY,
            and_(
                _OUTCOME_ENTRY.c.run_id == runs.c.run_id,
                _OUTCOME_ENTRY.c.part == _chain.OUTCOME,
            ),
        )
    )


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def start_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "started_at": row["started_at"],
        "config_json": row["config_json"],
        "config_hash": row["config_hash"],
        "strategy": _loads(row["strategy_json"]),
        "engine_name": row["engine_name"],
        "seed": row["seed"],
        "environment": _loads(row["environment_json"]),
        "tags": _loads(row["tags_json"]),
        "timeout_seconds": row["timeout_seconds"],
    }


def outcome_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "status": row["status"],
        "finished_at": row["finished_at"],
        "duration_seconds": row["duration_seconds"],
        "data_snapshot_id": row["data_snapshot_id"],
        "snapshot_artifact": row["snapshot_artifact"],
        "engine": _loads(row["engine_json"]),
        "result_hash": row["result_hash"],
        "artifacts": _loads(row["artifacts_json"]),
        "metrics": _loads(row["metrics_json"]),
        "error": row["error"],
        "dataset_snapshot_id": row["dataset_snapshot_id"],
    }


def _check(condition: bool, run_id: str, message: str, what: str) -> None:
    if not condition:
        raise RegistryIntegrityError(message, run_id=run_id, what=what)


def _check_sealed(run_id: str, part: str, stored: str, sealed: str | None) -> None:
    _check(sealed is not None, run_id,
           f"its {part} record is not in the hash chain: it was written behind the registry's "
           "back", "record")
    _check(sealed == stored, run_id,
           f"its {part} record hash {stored} differs from the one the hash chain sealed "
           f"({sealed}): the record was rewritten", "record")


def to_record(row: Row[Any]) -> RunRecord:
    """Rebuild a record from its row, re-deriving every seal and cross-check on the way."""
    try:
        return _checked_record(row)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Undecodable JSON or a field of the wrong type: as much an alteration as a bad seal.
        raise RegistryIntegrityError(
            f"the record cannot be read ({type(exc).__name__}: {exc}); it was altered",
            run_id=row._mapping[runs.c.run_id],
            what="record",
        ) from exc


def _checked_record(row: Row[Any]) -> RunRecord:
    m = row._mapping
    # The outcome table's run_id column shadows the start's in the mapping; read both by column.
    run_id = m[runs.c.run_id]
    start = {c.name: m[c] for c in runs.c}
    values = start_values(start)
    _check(
        sha256_hex(start["config_json"].encode()) == start["config_hash"],
        run_id,
        f"config_json no longer hashes to the stored config_hash {start['config_hash']}",
        "config",
    )
    config = json.loads(start["config_json"])
    _check(start["strategy_id"] == values["strategy"]["id"], run_id,
           f"strategy_id column {start['strategy_id']!r} differs from the strategy identity "
           f"{values['strategy']['id']!r}", "strategy")
    _check(start["strategy_id"] == config["strategy"]["id"], run_id,
           f"strategy_id column {start['strategy_id']!r} differs from the config's "
           f"{config['strategy']['id']!r}", "strategy")
    _check(start["engine_name"] == config["engine"] and start["seed"] == config["seed"], run_id,
           "engine_name or seed column differs from the config", "config")
    recomputed = start_hash(values)
    _check(recomputed == start["start_hash"], run_id,
           f"start record hash is {recomputed}, stored {start['start_hash']}: a field of the "
           "start record (config, strategy, environment, tags or times) was altered", "record")
    _check_sealed(run_id, "start", start["start_hash"], m["start_sealed"])
    fields: dict[str, Any] = {**values, "start_hash": start["start_hash"]}
    status = RunStatus.RUNNING
    if m[run_outcomes.c.run_id] is None:
        _check(m["outcome_sealed"] is None, run_id,
               "its outcome record is missing although the hash chain sealed one: the outcome "
               "row was deleted", "record")
    else:
        outcome = {c.name: m[c] for c in run_outcomes.c}
        out_values = outcome_values(outcome)
        recomputed = outcome_hash(start["start_hash"], out_values)
        _check(recomputed == outcome["outcome_hash"], run_id,
               f"outcome record hash is {recomputed}, stored {outcome['outcome_hash']}: a field of "
               "the outcome (status, times, result or artifact hashes, metrics, error) was altered",
               "record")
        _check_sealed(run_id, "outcome", outcome["outcome_hash"], m["outcome_sealed"])
        if out_values["result_hash"] is not None:
            _check(out_values["artifacts"].get(RESULT_ARTIFACT) == out_values["result_hash"],
                   run_id, "result artifact link differs from the result hash", "result")
        status = RunStatus(outcome["status"])
        fields.update(out_values)
        fields["outcome_hash"] = outcome["outcome_hash"]
        fields["artifacts"] = out_values["artifacts"] or {}
    fields["status"] = status
    return RunRecord.model_validate(fields)
