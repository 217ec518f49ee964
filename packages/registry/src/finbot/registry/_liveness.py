"""When a run still marked ``running`` is taken for abandoned (ADR 0006, decision 12).

A run is abandoned when its process is provably gone (same host, pid no longer exists) or when it
has run longer than its own timeout plus a grace period, or, without a timeout, longer than the
registry's running limit. A process on another host is judged by time alone. The grace covers
what happens between the recorded start and the engine run the timeout limits (loading and
checking the data, building the engine).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from ._record import RunRecord

DEFAULT_RUNNING_LIMIT = timedelta(hours=24)
TIMEOUT_GRACE = timedelta(minutes=5)


def process_gone(pid: int) -> bool:
    """True when no process ``pid`` exists on this host (POSIX; elsewhere never claimed)."""
    if os.name != "posix" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return True
    except OSError:  # e.g. EPERM: it exists, under another user
        return False
    return False


def stale_reason(record: RunRecord, now: datetime, limit: timedelta) -> str | None:
    """Why a running run counts as abandoned at ``now``, or None while it may still be running."""
    env = record.environment
    if (
        env.pid is not None
        and env.host == socket.gethostname()
        and env.pid != os.getpid()
        and process_gone(env.pid)
    ):
        return f"abandoned: its process {env.pid} on {env.host} is gone (killed or crashed)"
    elapsed = now - record.started
    if record.timeout_seconds is not None:
        allowed = timedelta(seconds=record.timeout_seconds) + TIMEOUT_GRACE
        if elapsed > allowed:
            return (
                f"abandoned: still running {elapsed.total_seconds():.0f} s after it started, past "
                f"its timeout of {record.timeout_seconds:g} s"
            )
        return None
    if elapsed > limit:
        return (
            f"abandoned: still running {elapsed.total_seconds():.0f} s after it started, past the "
            f"registry's running limit of {limit.total_seconds():.0f} s"
        )
    return None
