"""The registry's tables and its versioned migrations (one code path for SQLite and PostgreSQL).

JSON lives in ``Text`` columns, never JSONB: the stored text is the canonical form that is hashed.
Nothing is ever UPDATEd or DELETEd: a run's start and outcome are each one INSERT, and the primary
key of ``run_outcomes`` is what makes "finish once" hold across processes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)

from ._errors import RegistryError

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", String(40), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(26), primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("strategy_id", Text, nullable=False),
    Column("engine_name", String(64), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("config_json", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("strategy_json", Text, nullable=False),
    Column("environment_json", Text, nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("start_hash", String(64), nullable=False),
    Index("ix_runs_strategy_id", "strategy_id"),
    Index("ix_runs_engine_name", "engine_name"),
    Index("ix_runs_started_at", "started_at"),
)

run_outcomes = Table(
    "run_outcomes",
    metadata,
    Column("run_id", String(26), ForeignKey("runs.run_id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("duration_seconds", Float(precision=53), nullable=False),
    Column("data_snapshot_id", String(64)),
    Column("snapshot_artifact", String(64)),
    Column("engine_json", Text),
    Column("result_hash", String(64)),
    Column("artifacts_json", Text, nullable=False),
    Column("metrics_json", Text),
    Column("error", Text),
    Column("outcome_hash", String(64), nullable=False),
    Index("ix_run_outcomes_status", "status"),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("snapshot_id", String(64), primary_key=True),
    Column("artifact_sha256", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("instrument_count", Integer, nullable=False),
    Column("bar_count", BigInteger, nullable=False),
    Column("stored_at", String(40), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One schema step; ``apply`` runs inside the migrating transaction."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    for table in (runs, run_outcomes, snapshots):
        table.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs, run_outcomes and snapshots tables", _v1),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

# Any constant works: it only has to be the same in every process migrating one database.
_PG_MIGRATION_LOCK = 0x66696E626F74


def migrate(conn: Connection) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` inside the caller's write transaction.

    SQLite serializes migrators through ``BEGIN IMMEDIATE``; PostgreSQL through an advisory lock.
    Refuses a database whose schema is newer than this code.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    schema_migrations.create(conn, checkfirst=True)
    applied = set(conn.execute(select(schema_migrations.c.version)).scalars())
    newest = max(applied, default=0)
    if newest > SCHEMA_VERSION:
        raise RegistryError(
            f"registry schema version {newest} is newer than this finbot-registry understands "
            f"({SCHEMA_VERSION}); upgrade finbot-registry"
        )
    for step in MIGRATIONS:
        if step.version not in applied:
            step.apply(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=step.version,
                    description=step.description,
                    applied_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )
    return SCHEMA_VERSION
