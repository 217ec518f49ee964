"""The append-only SQLite journal of a paper session: every event, numbered, with two timestamps.

Triggers refuse UPDATE and DELETE and any INSERT that is not the next sequence number, so the
file can only grow by appending; a SIGKILL loses at most the event being written.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finbot.contracts import FinbotError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    ts_ns INTEGER NOT NULL,
    recorded_at_ns INTEGER NOT NULL,
    kind TEXT NOT NULL,
    order_id TEXT,
    payload TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: DELETE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_in_sequence BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events)
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: seq must be the next number'); END;
"""


class JournalError(FinbotError, RuntimeError):
    """The journal cannot be opened, or it disagrees with the session replaying it."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journaled event.

    ``ts_ns`` is the session clock (the bar instant, UTC ns); ``recorded_at_ns`` the wall clock
    when it was written. ``payload`` holds the event's fields (JSON object).
    """

    seq: int
    ts_ns: int
    recorded_at_ns: int
    kind: str
    order_id: str | None
    payload: Mapping[str, Any]

    def same_event(
        self, kind: str, order_id: str | None, ts_ns: int, payload: Mapping[str, Any]
    ) -> bool:
        """True when this entry records that event (the wall clock and number aside)."""
        return (
            self.kind == kind
            and self.order_id == order_id
            and self.ts_ns == ts_ns
            and self.payload == _decode(_encode(payload))
        )


def _encode(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _decode(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise JournalError(f"journal payload is not a JSON object: {text[:80]!r}")
    return value


class Journal:
    """Appends events to, and reads them from, one session's SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            # autocommit mode: each append is its own committed transaction
            self._db = sqlite3.connect(self.path, isolation_level=None)
            # WAL + NORMAL: a committed event survives the process being killed (not power loss)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from exc
        self._last_seq: int = row[0]

    @property
    def last_seq(self) -> int:
        """The number of the last event written (0 when empty)."""
        return self._last_seq

    def append(
        self, kind: str, ts_ns: int, payload: Mapping[str, Any], order_id: str | None = None
    ) -> int:
        """Write one event; returns its sequence number."""
        seq = self._last_seq + 1
        self._db.execute(
            "INSERT INTO events (seq, ts_ns, recorded_at_ns, kind, order_id, payload) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (seq, ts_ns, time.time_ns(), kind, order_id, _encode(payload)),
        )
        self._last_seq = seq
        return seq

    def entries(self, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Events numbered above ``after_seq``, in order."""
        rows = self._db.execute(
            "SELECT seq, ts_ns, recorded_at_ns, kind, order_id, payload FROM events "
            "WHERE seq > ? ORDER BY seq",
            (after_seq,),
        )
        for seq, ts_ns, recorded, kind, order_id, payload in rows:
            yield JournalEntry(seq, ts_ns, recorded, kind, order_id, _decode(payload))

    def close(self) -> None:
        """Close the file."""
        self._db.close()
