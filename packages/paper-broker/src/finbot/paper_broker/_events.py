"""The session's event stream: journaled once, checked against the journal when a resume replays.

A resume restarts from the last checkpoint, so it produces again the events journaled after it.
Those are compared with the journal instead of written twice: a difference means the replay is
not deterministic and the session stops rather than diverge from its own record.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol

from ._journal import Journal, JournalEntry, JournalError

# Written by the session about itself, outside the replayable stream of order and risk events.
MARKERS = frozenset({"session_started", "session_resumed", "session_finished", "session_stopped"})
# Events caused from outside (a flag file, a signal): a replay takes them from the journal.
INPUTS = frozenset({"kill_switch_tripped", "kill_switch_reset"})


class SessionListener(Protocol):
    """Sees each new event as it is journaled (the CLI prints them)."""

    def on_event(
        self, kind: str, ts_ns: int, order_id: str | None, payload: Mapping[str, Any]
    ) -> None:
        """Called once per journaled event, in order."""
        ...


class EventStream:
    """Appends events to the journal, or verifies them while a resume replays journaled ones."""

    def __init__(
        self, journal: Journal, after_seq: int, listener: SessionListener | None = None
    ) -> None:
        self.journal = journal
        self.listener = listener
        self.position = after_seq
        self._pending: deque[JournalEntry] = deque(
            e for e in journal.entries(after_seq) if e.kind not in MARKERS
        )

    @property
    def replaying(self) -> bool:
        """True while events already journaled are being produced again."""
        return bool(self._pending)

    def next_input(self, ts_ns: int) -> JournalEntry | None:
        """The journaled outside input a replay must apply now, if the journal has one here."""
        head = self._pending[0] if self._pending else None
        if head is not None and head.kind in INPUTS and head.ts_ns == ts_ns:
            return head
        return None

    def emit(
        self, kind: str, ts_ns: int, payload: Mapping[str, Any], order_id: str | None = None
    ) -> None:
        """Journal one event (or, while replaying, check it equals the journaled one)."""
        if self._pending:
            entry = self._pending.popleft()
            if not entry.same_event(kind, order_id, ts_ns, payload):
                raise JournalError(
                    f"the resumed session diverged from its journal at event {entry.seq}: "
                    f"journaled {entry.kind} {entry.order_id or ''} {dict(entry.payload)}, "
                    f"replayed {kind} {order_id or ''} {dict(payload)}"
                )
            self.position = entry.seq
            return
        self.position = self.journal.append(kind, ts_ns, payload, order_id)
        if self.listener is not None:
            self.listener.on_event(kind, ts_ns, order_id, payload)

    def mark(self, kind: str, ts_ns: int, payload: Mapping[str, Any]) -> None:
        """Journal a marker about the session itself; it never takes part in a replay."""
        if kind not in MARKERS:
            raise ValueError(f"{kind} is not a session marker")
        self.journal.append(kind, ts_ns, payload)
        if self.listener is not None:
            self.listener.on_event(kind, ts_ns, None, payload)
