"""A per-run time limit: the engine run is interrupted with ``RunTimeoutError`` when time is up."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from finbot.contracts import ConfigError, EngineRunError


class RunTimeoutError(EngineRunError):
    """The run was stopped because it ran longer than its timeout."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``RunTimeoutError`` in the block once ``seconds`` have passed (None: no limit).

    A POSIX interval timer (SIGALRM): it interrupts Python code at once, and native engine code
    when it next returns to Python. A run stuck for good in native code is still marked abandoned
    by the registry once its timeout has passed (ADR 0006).

    Raises:
        ConfigError: ``seconds`` is not positive, or there is no SIGALRM here (not the main
            thread, or not POSIX).
    """
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, not {seconds}")
    in_main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not in_main:
        raise ConfigError("a run timeout needs the main thread of a POSIX process (SIGALRM)")

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise RunTimeoutError(f"run stopped: it exceeded its timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
