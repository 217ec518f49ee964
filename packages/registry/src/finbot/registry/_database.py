"""SQLAlchemy engines for the registry: SQLite in WAL mode, or PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

BUSY_TIMEOUT_MS = 60_000
_WRITE = "finbot_write"


def is_database_url(location: str) -> bool:
    """True for ``postgresql://``, ``postgresql+psycopg://`` and ``sqlite://`` URLs."""
    return location.startswith(("postgresql:", "postgresql+", "postgres:", "sqlite:"))


def shown_location(location: str) -> str:
    """The location as it may be printed: a database URL's password is masked."""
    if "://" not in location or location.startswith("sqlite:"):
        return location
    try:
        return make_url(location).render_as_string(hide_password=True)
    except ArgumentError:
        return location.split("://", 1)[0] + "://***"


def postgres_engine(url: str) -> Engine:
    """An engine on PostgreSQL; plain ``postgresql://`` URLs are routed to psycopg 3."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def sqlite_engine(path: Path) -> Engine:
    """An engine on a SQLite file in WAL mode, where every write transaction is ``IMMEDIATE``.

    pysqlite's own transaction handling is switched off so that writers take the write lock at
    ``BEGIN`` and wait (busy_timeout) instead of failing on a lock upgrade under contention.
    """
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that may write; commits on success."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside a read transaction (one consistent view)."""
    with engine.connect() as conn, conn.begin():
        yield conn
