"""Outside controls of a running session: the kill flag file, the reset request and signals.

``finbot paper kill`` writes ``KILL`` in the session directory; ``finbot paper reset`` removes it
and writes ``RESET``. The session looks for them once per step; SIGTERM trips the kill switch too.
"""

from __future__ import annotations

from pathlib import Path

KILL_FILE = "KILL"
RESET_FILE = "RESET"


class Controls:
    """The flags a session polls once per step (never checkpointed: they live outside it)."""

    def __init__(self, directory: Path) -> None:
        self.kill_file = directory / KILL_FILE
        self.reset_file = directory / RESET_FILE
        self.sigterm = False
        self.interrupted = False

    def kill_requested(self) -> str | None:
        """Why the kill switch should trip now (a signal or the flag file), or None."""
        if self.sigterm:
            return "SIGTERM received"
        if self.kill_file.exists():
            return f"kill flag file {self.kill_file}"
        return None

    def reset_requested(self) -> bool:
        """True when a reset was asked for and the kill flag is gone."""
        return self.reset_file.exists() and not self.kill_file.exists()

    def reset_done(self) -> None:
        """Consume the reset request."""
        self.reset_file.unlink(missing_ok=True)


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
