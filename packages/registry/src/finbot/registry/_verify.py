"""What ``verify`` and ``scan`` report: database checks, flagged runs, metrics against results."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from finbot.contracts import canonical_json

from ._record import RunRecord

_NO_PRIVILEGE = "42501"
_TABLES = ("runs", "run_outcomes", "record_chain", "snapshots", "schema_migrations")


@dataclass(frozen=True, slots=True)
class ListedRun:
    """One run as ``Registry.scan`` found it: the verified record, or the problem that hid it."""

    run_id: str
    record: RunRecord | None
    problem: str | None


@dataclass(frozen=True)
class VerificationReport:
    """Everything ``Registry.check`` found; the registry is sound when ``problems`` is empty."""

    problems: tuple[str, ...]
    notes: tuple[str, ...]
    runs_checked: int


def metrics_problem(record: RunRecord, result_blob: bytes) -> str | None:
    """Whether the record's metrics differ from those inside its result artifact."""
    try:
        stored = json.loads(result_blob)["metrics"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"result artifact has no readable metrics ({exc})"
    if canonical_json(stored) != canonical_json(record.metrics):
        return "stored metrics differ from those in the result artifact: the record was edited"
    return None


def database_check(engine: Engine) -> tuple[list[str], list[str]]:
    """(problems, notes) of the database's own integrity check.

    SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``. PostgreSQL has no
    general one: with the ``amcheck`` extension installed, ``bt_index_check`` on every index of
    the registry's tables; without it, a note says so (``CREATE EXTENSION amcheck`` enables it).
    """
    problems: list[str] = []
    notes: list[str] = []
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            label = "SQLite PRAGMA integrity_check"
            found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            problems.extend(f"database: {label}: {line}" for line in found if line != "ok")
            orphans = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            problems.extend(
                f"database: SQLite PRAGMA foreign_key_check: a {r[0]} row has no {r[2]} row"
                for r in orphans
            )
            notes.append(f"database: {label} and foreign_key_check ran")
            return problems, notes
        has_amcheck = conn.execute(
            text("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'")
        ).scalar()
        checksums = conn.execute(text("SHOW data_checksums")).scalar()
        notes.append(f"database: PostgreSQL data_checksums={checksums}")
        if not has_amcheck:
            notes.append(
                "database: PostgreSQL has no general integrity check; the amcheck extension is "
                "not installed, so index checks were skipped (CREATE EXTENSION amcheck enables "
                "them); every row was still read and checked against its seal"
            )
            return problems, notes
        indexes = conn.execute(
            text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE t.relname = ANY(:tables) AND a.amname = 'btree' "
                "AND pg_table_is_visible(t.oid) ORDER BY c.relname"
            ),
            {"tables": list(_TABLES)},
        ).scalars().all()
        for index in indexes:
            try:
                with conn.begin_nested():
                    conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"),
                                 {"i": index})
            except SQLAlchemyError as exc:
                reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
                if getattr(getattr(exc, "orig", None), "sqlstate", None) == _NO_PRIVILEGE:
                    notes.append(f"database: amcheck not allowed for this user ({reason})")
                    break
                problems.append(f"database: amcheck bt_index_check({index}): {reason}")
        notes.append(f"database: amcheck bt_index_check ran on {len(indexes)} indexes")
    return problems, notes
