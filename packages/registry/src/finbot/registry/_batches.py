"""Batches of runs: a parent row per batch and one child row per attempt at each of its runs.

Like MLflow's nested runs, a batch groups its runs; each child row links a ``runs`` record (when the
attempt produced one) and carries the run key, so a rerun batch can skip keys that already
succeeded. Insert-only, like every table here: a retried run is a new row, never an update.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
)

from ._database import read_transaction, write_transaction
from ._errors import RunNotFoundError
from ._ids import new_run_id

metadata = MetaData()

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(26), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("name", Text),
    Column("spec_json", Text, nullable=False),
    Column("run_count", Integer, nullable=False),
)

batch_runs = Table(
    "batch_runs",
    metadata,
    Column("batch_id", String(26), ForeignKey("batches.batch_id"), nullable=False),
    Column("run_index", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("run_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_id", String(26)),
    Column("failure_kind", String(32)),
    Column("error", Text),
    Column("seconds", Float(precision=53)),
    Column("recorded_at", String(40), nullable=False),
    Index("ix_batch_runs_batch", "batch_id", "run_index", "attempt", unique=True),
    Index("ix_batch_runs_key", "run_key", "status"),
)

SUCCEEDED = "succeeded"


def create_batch_tables(conn: Connection) -> None:
    """The migration step that adds the batch tables."""
    for table in (batches, batch_runs):
        table.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One attempt at one run of a batch."""

    batch_id: str
    run_index: int
    attempt: int
    run_key: str
    status: str
    run_id: str | None
    failure_kind: str | None
    error: str | None
    seconds: float | None
    recorded_at: str


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A batch: its id, when it was created, its name and spec, and how many runs it has."""

    batch_id: str
    created_at: str
    name: str | None
    spec: dict[str, object]
    run_count: int


@dataclass(frozen=True, slots=True)
class BatchListing:
    """A batch and how many of its runs ended in each status (by each run's last attempt).

    Runs with no row at all (a batch stopped before it reached them) are in no count:
    ``record.run_count`` minus the counts' sum is how many were never run.
    """

    record: BatchRecord
    final: Mapping[str, int]

    @property
    def not_run(self) -> int:
        """Runs of the batch without any recorded attempt."""
        return self.record.run_count - sum(self.final.values())


class BatchStore:
    """The registry's batch tables (``Registry.batches``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, spec: dict[str, object], *, run_count: int, name: str | None = None) -> str:
        """A new batch; returns its id (a ULID, like run ids)."""
        batch_id = new_run_id()
        with write_transaction(self._engine) as conn:
            conn.execute(
                insert(batches).values(
                    batch_id=batch_id,
                    created_at=_now(),
                    name=name,
                    # In the order given: a grid's parameter order decides the order of its runs.
                    spec_json=json.dumps(spec),
                    run_count=run_count,
                )
            )
        return batch_id

    def get(self, batch_id: str) -> BatchRecord:
        """One batch by id; ``batch_id`` may be a unique prefix (at least 6 characters).

        Raises:
            RunNotFoundError: No such batch, a prefix shorter than 6 characters, or one that
                matches several batches.
        """
        key = batch_id.strip().upper()
        query = select(batches)
        if len(key) >= 26:
            query = query.where(batches.c.batch_id == key)
        elif len(key) >= 6:
            query = query.where(batches.c.batch_id.startswith(key, autoescape=True)).limit(2)
        else:  # too short to be told apart
            raise RunNotFoundError(f"no batch {batch_id!r}")
        with read_transaction(self._engine) as conn:
            found = conn.execute(query).all()
        if not found:
            raise RunNotFoundError(f"no batch {batch_id!r}")
        if len(found) > 1:
            raise RunNotFoundError(f"batch id prefix {batch_id!r} matches more than one batch")
        return _record(found[0])

    def add(
        self,
        batch_id: str,
        *,
        run_index: int,
        attempt: int,
        run_key: str,
        status: str,
        run_id: str | None = None,
        failure_kind: str | None = None,
        error: str | None = None,
        seconds: float | None = None,
    ) -> None:
        """Record one attempt at one run of a batch."""
        with write_transaction(self._engine) as conn:
            conn.execute(
                insert(batch_runs).values(
                    batch_id=batch_id,
                    run_index=run_index,
                    attempt=attempt,
                    run_key=run_key,
                    status=status,
                    run_id=run_id,
                    failure_kind=failure_kind,
                    error=error,
                    seconds=seconds,
                    recorded_at=_now(),
                )
            )

    def rows(self, batch_id: str) -> list[BatchRow]:
        """Every attempt recorded for a batch, by run index then attempt."""
        query = (
            select(batch_runs)
            .where(batch_runs.c.batch_id == batch_id)
            .order_by(batch_runs.c.run_index, batch_runs.c.attempt)
        )
        with read_transaction(self._engine) as conn:
            return [BatchRow(**row._mapping) for row in conn.execute(query)]

    def succeeded(self, run_keys: Iterable[str]) -> dict[str, str]:
        """Run key -> id of a run that succeeded under that key, in any batch."""
        keys = sorted(set(run_keys))
        found: dict[str, str] = {}
        with read_transaction(self._engine) as conn:
            for chunk in _chunks(keys, 500):
                query = select(batch_runs.c.run_key, batch_runs.c.run_id).where(
                    batch_runs.c.run_key.in_(chunk), batch_runs.c.status == SUCCEEDED
                )
                for key, run_id in conn.execute(query):
                    found.setdefault(key, run_id)
        return found

    # Last in the class: within its body, `list` would otherwise name this method.
    def list(self, *, limit: int | None = None) -> list[BatchListing]:
        """Every batch, newest first, with the final status counts of its runs."""
        query = select(batches).order_by(batches.c.created_at.desc(), batches.c.batch_id.desc())
        if limit is not None:
            query = query.limit(limit)
        last = (
            select(
                batch_runs.c.batch_id,
                batch_runs.c.run_index,
                func.max(batch_runs.c.attempt).label("attempt"),
            )
            .group_by(batch_runs.c.batch_id, batch_runs.c.run_index)
            .subquery()
        )
        # Insert-only: a run's final status is the one of its highest attempt.
        finals = (
            select(batch_runs.c.batch_id, batch_runs.c.status, func.count().label("n"))
            .join(
                last,
                and_(
                    batch_runs.c.batch_id == last.c.batch_id,
                    batch_runs.c.run_index == last.c.run_index,
                    batch_runs.c.attempt == last.c.attempt,
                ),
            )
            .group_by(batch_runs.c.batch_id, batch_runs.c.status)
        )
        counts: dict[str, dict[str, int]] = {}
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
            for batch_id, status, n in conn.execute(finals):
                counts.setdefault(batch_id, {})[status] = n
        return [
            BatchListing(_record(row), dict(sorted(counts.get(row.batch_id, {}).items())))
            for row in rows
        ]


def _record(row: Row[Any]) -> BatchRecord:
    return BatchRecord(
        batch_id=row.batch_id,
        created_at=row.created_at,
        name=row.name,
        spec=json.loads(row.spec_json),
        run_count=row.run_count,
    )


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
