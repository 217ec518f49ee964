"""SQLAlchemy engines for the registry: SQLite in WAL mode, or PostgreSQL through psycopg 3.

Also where a location string becomes an engine: URLs are parsed by SQLAlchemy after a raw ``@``
(or ``/``, ``?``, ``#``) in the password is escaped, and shown only with every password masked.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ._errors import RegistryError, RegistryNotFoundError

BUSY_TIMEOUT_MS = 60_000
SQLITE_FILE = "registry.sqlite"
DEFAULT_ARTIFACTS = Path(".finbot") / "artifacts"
ENV_ARTIFACTS = "FINBOT_REGISTRY_ARTIFACTS"
_WRITE = "finbot_write"
# scheme://user:password@rest, the password running to the LAST '@' (as urllib splits userinfo),
# so that a raw '@' in a password is not taken for the host.
_USERINFO = re.compile(
    r"^(?P<scheme>[A-Za-z][\w+.-]*)://(?P<user>[^:@/?#]*)(?::(?P<password>.*))?@(?P<rest>[^@]*)$",
    re.DOTALL,
)
# libpq takes a password as a query parameter too.
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd|sslpassword)=)([^&#]*)")
_RAW_IN_PASSWORD = {"@": "%40", "/": "%2F", "?": "%3F", "#": "%23"}


def is_database_url(location: str) -> bool:
    """True for ``postgresql://``, ``postgresql+psycopg://`` and ``sqlite://`` URLs."""
    return location.startswith(("postgresql:", "postgresql+", "postgres:", "sqlite:"))


def normalized_url(location: str) -> str:
    """The URL with a raw ``@``, ``/``, ``?`` or ``#`` in its password percent-escaped."""
    m = _USERINFO.match(location)
    if m is None or m["password"] is None:
        return location
    password = "".join(_RAW_IN_PASSWORD.get(ch, ch) for ch in m["password"])
    return f"{m['scheme']}://{m['user']}:{password}@{m['rest']}"


def shown_location(location: str) -> str:
    """The location as it may be printed: every password in a URL is masked as ``***``."""
    if "://" not in location:
        return location
    url = normalized_url(location)
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        m = _USERINFO.match(url)
        shown = f"{m['scheme']}://{m['user']}:***@{m['rest']}" if m else url
    return _QUERY_SECRET.sub(r"\1***", shown)


def secrets_in(location: str) -> list[str]:
    """The passwords a location carries (raw and decoded), to scrub from messages."""
    found: list[str] = []
    m = _USERINFO.match(location)
    if m and m["password"]:
        found.append(m["password"])
    try:
        parsed = make_url(normalized_url(location))
        if parsed.password:
            found.append(str(parsed.password))
    except (ArgumentError, ValueError):
        pass
    found.extend(v for _, v in _QUERY_SECRET.findall(location) if v)
    return sorted(set(found), key=len, reverse=True)


def scrub(message: str, location: str) -> str:
    """``message`` with any password of ``location`` masked (a driver may echo the DSN)."""
    for secret in secrets_in(location):
        message = message.replace(secret, "***")
    return message


def postgres_engine(url: str) -> Engine:
    """An engine on PostgreSQL; plain ``postgresql://`` URLs are routed to psycopg 3."""
    parsed = make_url(normalized_url(url).replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def sqlite_engine(path: Path, *, read_only: bool = False, immutable: bool = False) -> Engine:
    """An engine on a SQLite file in WAL mode, where every write transaction is ``IMMEDIATE``.

    pysqlite's own transaction handling is switched off so that writers take the write lock at
    ``BEGIN`` and wait (busy_timeout) instead of failing on a lock upgrade under contention.
    ``read_only`` opens the file with ``mode=ro``; ``immutable`` also tells SQLite nobody writes
    it (a read-only mount, where not even WAL's shared-memory file can be made).
    """
    if read_only:
        flags = "mode=ro&immutable=1" if immutable else "mode=ro"
        url = f"sqlite:///file:{path.absolute()}?{flags}&uri=true"
    else:
        url = f"sqlite:///{path}"
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass(frozen=True)
class Location:
    """What a registry location resolves to."""

    engine: Engine
    artifacts: Path
    shown: str
    read_only: bool


def resolve_location(where: str, artifacts_dir: Path | None, *, create: bool) -> Location:
    """The engine and artifacts a location names; ``create=False`` refuses a missing registry."""
    shown = shown_location(where)
    if where.startswith("sqlite:"):
        db_file = Path(where.split(":///", 1)[-1])
        return _sqlite_location(db_file, artifacts_dir or db_file.parent / "artifacts", shown,
                                create)
    if is_database_url(where):
        default = os.environ.get(ENV_ARTIFACTS) or str(DEFAULT_ARTIFACTS)
        try:
            engine = postgres_engine(where)
        except (ArgumentError, ValueError) as exc:
            raise RegistryError(f"registry URL {shown} cannot be parsed: "
                                f"{scrub(str(exc), where)}") from None
        return Location(engine, Path(artifacts_dir or default), shown, read_only=False)
    if "://" in where:
        raise RegistryError(
            f"registry location {shown} is a URL of no supported database; give a "
            "directory, sqlite:///FILE or postgresql://..."
        )
    root = Path(where)
    return _sqlite_location(root / SQLITE_FILE, artifacts_dir or root / "artifacts", shown, create)


def _sqlite_location(db_file: Path, artifacts: Path, shown: str, create: bool) -> Location:
    if not db_file.exists():
        if not create:
            raise RegistryNotFoundError(
                f"no registry at {shown}: {db_file} does not exist (nothing was recorded there; "
                "check --registry or FINBOT_REGISTRY)"
            )
        _make_dir(db_file.parent)
        return Location(sqlite_engine(db_file), Path(artifacts), shown, read_only=False)
    # Writing a WAL database takes the file and its directory (for -wal and -shm files).
    if os.access(db_file, os.W_OK) and os.access(db_file.parent, os.W_OK):
        return Location(sqlite_engine(db_file), Path(artifacts), shown, read_only=False)
    immutable = not _opens_read_only(db_file)
    engine = sqlite_engine(db_file, read_only=True, immutable=immutable)
    return Location(engine, Path(artifacts), shown, read_only=True)


def _opens_read_only(db_file: Path) -> bool:
    # Without write access to the directory SQLite cannot make WAL's -shm file; then only
    # `immutable` opens it.
    try:
        probe = sqlite3.connect(f"file:{db_file.absolute()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegistryError(f"cannot create registry directory {path}: {exc}") from exc


def is_writable(conn: Connection) -> bool:
    """Whether this connection may append records (a PostgreSQL user may only read)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(
        conn.execute(
            text(
                "SELECT has_table_privilege('runs', 'INSERT') "
                "AND has_table_privilege('run_outcomes', 'INSERT') "
                "AND has_table_privilege('record_chain', 'INSERT')"
            )
        ).scalar()
    )


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
