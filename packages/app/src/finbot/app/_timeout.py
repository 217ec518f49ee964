"""A per-run time limit: the engine run is interrupted with ``RunTimeoutError`` when time is up.

In a process's main thread a POSIX interval timer (SIGALRM) interrupts the run at once, even in a
``sleep``. Elsewhere (Dask runs tasks in worker threads, where signals never arrive) a watchdog
timer raises the error in the run's thread with CPython's ``PyThreadState_SetAsyncExc``, at the next
bytecode the run executes; a run stuck inside one long C call is only stopped when it returns (a
batch's hard limit then kills its worker: ``hard_limit``, ADR 0029).
"""

from __future__ import annotations

import contextlib
import ctypes
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

    A run stuck for good in native code is still marked abandoned by the registry once its timeout
    has passed (ADR 0006).

    Raises:
        ConfigError: ``seconds`` is not positive.
    """
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, not {seconds}")
    in_main = threading.current_thread() is threading.main_thread()
    limit = _alarm if in_main and hasattr(signal, "setitimer") else _watchdog
    with limit(seconds):
        yield


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise RunTimeoutError(f"run stopped: it exceeded its timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    done = False

    def expired() -> None:
        with lock:
            if done:
                return
            hit = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(target), ctypes.py_object(RunTimeoutError)
            )
            if hit > 1:  # more than one thread state touched: undo, as the C API documents
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)

    timer = threading.Timer(seconds, expired)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            done = True
        timer.cancel()
