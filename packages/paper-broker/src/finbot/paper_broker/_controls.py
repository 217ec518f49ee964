"""Outside controls of a running session: the kill flag file, the reset request and signals.

``finbot paper kill`` writes ``KILL`` in the session directory; ``finbot paper reset`` removes it
and writes ``RESET``. The session looks for them once per step; SIGTERM trips the kill switch too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

KILL_FILE = "KILL"
RESET_FILE = "RESET"


# A replay at full speed takes thousands of steps a second; the files are looked at no more often
# than this (wall clock), which no operator can tell from every step.
POLL_SECONDS = 0.05


class Controls:
    """The flags a session polls once per step (never checkpointed: they live outside it)."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.kill_file = directory / KILL_FILE
        self.reset_file = directory / RESET_FILE
        self.sigterm = False
        self.interrupted = False
        self._clock = clock
        self._next_look = float("-inf")
        self._files = (False, False)  # (kill flag, reset request) when last looked

    def _look(self) -> tuple[bool, bool]:
        now = self._clock()
        if now >= self._next_look:
            self._next_look = now + POLL_SECONDS
            self._files = (self.kill_file.exists(), self.reset_file.exists())
        return self._files

    def kill_requested(self) -> str | None:
        """Why the kill switch should trip now (a signal or the flag file), or None."""
        if self.sigterm:
            return "SIGTERM received"
        if self._look()[0]:
            return f"kill flag file {self.kill_file}"
        return None

    def reset_requested(self) -> bool:
        """True when a reset was asked for and the kill flag is gone."""
        killed, reset = self._look()
        return reset and not killed

    def reset_done(self) -> None:
        """Consume the reset request."""
        self.reset_file.unlink(missing_ok=True)
        self._files = (self._files[0], False)


def request_kill(directory: Path, reason: str = "finbot paper kill") -> Path:
    """Trip the kill switch of the session in ``directory`` (running or not); returns the flag."""
    flag = directory / KILL_FILE
    flag.write_text(reason + "\n")
    (directory / RESET_FILE).unlink(missing_ok=True)
    return flag


def request_reset(directory: Path) -> Path:
    """Ask the session in ``directory`` to clear its kill switch and drawdown halt."""
    (directory / KILL_FILE).unlink(missing_ok=True)
    request = directory / RESET_FILE
    request.write_text("reset requested\n")
    return request
