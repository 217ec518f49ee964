"""The registry's tables and its versioned migrations (one code path for SQLite and PostgreSQL).

JSON lives in ``Text`` columns, never JSONB: the stored text is the canonical form that is hashed.
Nothing is ever UPDATEd or DELETEd: a run's start and outcome are each one INSERT, and the primary
key of ``run_outcomes`` is what makes "finish once" hold across processes. ``record_chain`` holds
one entry per start and per outcome, each sealing the one before it (see ``_chain``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    func,
    insert,
    inspect,
    select,
    text,
)

from ._errors import RegistryError, RegistryNotFoundError

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", String(40), nullable=False),
)


def _runs_table(meta: MetaData, *later: Column[object]) -> Table:
    # Version 1's columns; ``later`` are the columns later migrations added with ALTER TABLE.
    return Table(
        "runs",
        meta,
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
        *later,
        Index("ix_runs_strategy_id", "strategy_id"),
        Index("ix_runs_engine_name", "engine_name"),
        Index("ix_runs_started_at", "started_at"),
    )


def _run_outcomes_table(meta: MetaData, *later: Column[object]) -> Table:
    return Table(
        "run_outcomes",
        meta,
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
        *later,
        Index("ix_run_outcomes_status", "status"),
    )


# v2 columns: a run's timeout (start part) and the whole dataset a run's window was cut from.
runs = _runs_table(metadata, Column("timeout_seconds", Float(precision=53)))
run_outcomes = _run_outcomes_table(metadata, Column("dataset_snapshot_id", String(64)))

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

record_chain = Table(
    "record_chain",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("run_id", String(26), nullable=False),
    Column("part", String(16), nullable=False),
    Column("record_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("keyed", Boolean, nullable=False),
    Index("ix_record_chain_run", "run_id", "part", unique=True),
)


@dataclass(frozen=True)
class Migration:
    """One schema step; ``apply`` runs inside the migrating transaction."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    # The tables as version 1 made them (later columns come from later steps' ALTER TABLE).
    v1 = MetaData()
    for table in (_runs_table(v1), _run_outcomes_table(v1), snapshots.to_metadata(v1)):
        table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE runs ADD COLUMN timeout_seconds DOUBLE PRECISION"))
    conn.execute(text("ALTER TABLE run_outcomes ADD COLUMN dataset_snapshot_id VARCHAR(64)"))
    record_chain.create(conn)
    # Existing records join the chain as they stand at migration time (see ADR 0006). Imported
    # here: the chain module builds on these tables.
    from ._chain import seal_existing

    seal_existing(conn)


def _v3(conn: Connection) -> None:
    from ._batches import create_batch_tables

    create_batch_tables(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs, run_outcomes and snapshots tables", _v1),
    Migration(2, "record hash chain, run timeouts, snapshots once per dataset", _v2),
    Migration(3, "batches and batch_runs tables (batch runs grouped, with run keys)", _v3),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

# Any constant works: it only has to be the same in every process migrating one database.
_PG_MIGRATION_LOCK = 0x66696E626F74


def check_version(conn: Connection, *, location: str, migrating: bool) -> int:
    """The schema version of an existing registry, without changing anything.

    Raises:
        RegistryNotFoundError: The database holds no registry.
        RegistryError: Its schema is newer than this code, or older while it cannot be migrated
            (``migrating`` False: the registry is read-only).
    """
    if not inspect(conn).has_table(schema_migrations.name):
        raise RegistryNotFoundError(f"no registry in {location} (no finbot tables there)")
    newest = conn.execute(select(func.max(schema_migrations.c.version))).scalar() or 0
    _refuse_newer(newest)
    if newest < SCHEMA_VERSION and not migrating:
        raise RegistryError(
            f"registry {location} has schema version {newest} and is read-only: open it once "
            f"with write access to migrate it to version {SCHEMA_VERSION}"
        )
    return int(newest)


def _refuse_newer(newest: int) -> None:
    if newest > SCHEMA_VERSION:
        raise RegistryError(
            f"registry schema version {newest} is newer than this finbot-registry understands "
            f"({SCHEMA_VERSION}); upgrade finbot-registry"
        )


def migrate(conn: Connection) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` inside the caller's write transaction.

    SQLite serializes migrators through ``BEGIN IMMEDIATE``; PostgreSQL through an advisory lock.
    Refuses a database whose schema is newer than this code.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    schema_migrations.create(conn, checkfirst=True)
    applied = set(conn.execute(select(schema_migrations.c.version)).scalars())
    _refuse_newer(max(applied, default=0))
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
