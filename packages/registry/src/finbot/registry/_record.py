"""The immutable run record and the hashes that seal it.

A record has two parts written once each: the start (config, strategy, environment, tags) and the
outcome (status, timings, engine, snapshot, result and artifact hashes). Each part is sealed by a
sha256 over its canonical JSON; the outcome hash chains in the start hash. Fields added in schema
v2 are sealed only when set, so records made before them keep their seals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from finbot.contracts import EngineInfo, RunConfig, canonical_json

from ._environment import Environment
from ._identity import StrategyIdentity


class RunStatus(StrEnum):
    """Where a run is in its one-way life: running, then finished, failed or abandoned, once.

    Abandoned: the registry found it still running after its process died or its time ran out.
    """

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    ABANDONED = "abandoned"


START_FIELDS = (
    "run_id",
    "started_at",
    "config_json",
    "config_hash",
    "strategy",
    "engine_name",
    "seed",
    "environment",
    "tags",
)
OUTCOME_FIELDS = (
    "status",
    "finished_at",
    "duration_seconds",
    "data_snapshot_id",
    "snapshot_artifact",
    "engine",
    "result_hash",
    "artifacts",
    "metrics",
    "error",
)
# Sealed only when not None (schema v2).
START_FIELDS_V2 = ("timeout_seconds",)
OUTCOME_FIELDS_V2 = ("dataset_snapshot_id",)


def seal(payload: Mapping[str, Any]) -> str:
    """sha256 (hex) of a payload's canonical JSON."""
    return hashlib.sha256(canonical_json(dict(payload)).encode()).hexdigest()


def _sealed(
    fields: Mapping[str, Any], names: tuple[str, ...], later: tuple[str, ...]
) -> dict[str, Any]:
    payload = {name: fields[name] for name in names}
    payload.update({name: fields[name] for name in later if fields.get(name) is not None})
    return payload


def start_hash(fields: Mapping[str, Any]) -> str:
    """Seal of the start part (``fields`` hold plain JSON values)."""
    return seal(_sealed(fields, START_FIELDS, START_FIELDS_V2))


def outcome_hash(start: str, fields: Mapping[str, Any]) -> str:
    """Seal of the outcome part, chained to the start part's seal."""
    return seal({"start_hash": start, **_sealed(fields, OUTCOME_FIELDS, OUTCOME_FIELDS_V2)})


def utc_iso(moment: datetime) -> str:
    """Fixed-width ISO text in UTC (so text order is time order); naive means local time."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class RunRecord(BaseModel):
    """One run as stored: everything needed to explain it and rerun it. Read-only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    status: RunStatus
    started_at: str
    finished_at: str | None = None
    duration_seconds: float | None = None
    config_json: str
    config_hash: str
    strategy: StrategyIdentity
    engine_name: str
    seed: int
    environment: Environment
    tags: tuple[str, ...] = ()
    timeout_seconds: float | None = None
    data_snapshot_id: str | None = None
    dataset_snapshot_id: str | None = None
    snapshot_artifact: str | None = None
    engine: EngineInfo | None = None
    result_hash: str | None = None
    artifacts: dict[str, str] = {}
    metrics: dict[str, float | int | None] | None = None
    error: str | None = None
    start_hash: str
    outcome_hash: str | None = None

    @property
    def config(self) -> RunConfig:
        """The run's config, parsed from its canonical JSON."""
        return RunConfig.model_validate_json(self.config_json)

    @property
    def record_hash(self) -> str:
        """The seal covering the whole record as it stands."""
        return self.outcome_hash or self.start_hash

    @property
    def started(self) -> datetime:
        """Start time (UTC)."""
        return datetime.fromisoformat(self.started_at)
