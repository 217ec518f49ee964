"""finbot-paper-broker: paper trading on the simulated broker, with risk controls and recovery.

A :class:`PaperSession` replays a :class:`BarFeed` through a contract strategy; orders pass the
:class:`RiskLimits` and execute on ``finbot.contracts``' simulated broker. Every order event is
checked against the lifecycle state machine and appended to a SQLite :class:`Journal`; the
session checkpoints atomically and a killed session resumes to the same result.
"""

from ._checkpoint import CheckpointError
from ._config import InstrumentLimits, PaperSettings, RiskLimits
from ._controls import KILL_FILE, RESET_FILE, request_kill, request_reset
from ._engine import PaperEngine
from ._events import SessionListener
from ._feed import MarketFeed, ReplayFeed
from ._journal import Journal, JournalEntry, JournalError
from ._lifecycle import TRANSITIONS, IllegalTransitionError, OrderEvent, fill_event, next_status
from ._risk import Book, RiskControls, RiskRejection
from ._session import (
    CHECKPOINT_FILE,
    ENGINE_NAME,
    JOURNAL_FILE,
    SESSION_FILE,
    PaperSession,
    SessionOutcome,
    read_session_file,
    write_session_file,
)

__all__ = [
    # the session
    "ENGINE_NAME",
    "PaperEngine",
    "PaperSession",
    "SessionListener",
    "SessionOutcome",
    "read_session_file",
    "write_session_file",
    # settings
    "InstrumentLimits",
    "PaperSettings",
    "RiskLimits",
    # feed
    "MarketFeed",
    "ReplayFeed",
    # lifecycle and journal
    "TRANSITIONS",
    "IllegalTransitionError",
    "Journal",
    "JournalEntry",
    "JournalError",
    "OrderEvent",
    "fill_event",
    "next_status",
    # risk
    "Book",
    "RiskControls",
    "RiskRejection",
    # controls, files
    "CHECKPOINT_FILE",
    "JOURNAL_FILE",
    "KILL_FILE",
    "RESET_FILE",
    "SESSION_FILE",
    "request_kill",
    "request_reset",
    # errors
    "CheckpointError",
]
