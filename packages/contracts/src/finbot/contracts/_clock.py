"""The clock port: when a run may take its next step (at once in a replay, paced or live)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Decides when the step stamped ``ts_ns`` may be taken."""

    def wait_until(self, ts_ns: int) -> None:
        """Return when the step stamped ``ts_ns`` (UTC nanoseconds) may be taken."""
        ...

    def now_ns(self) -> int:
        """The clock's time now, UTC nanoseconds."""
        ...


class ReplayClock:
    """A backtest's clock: every step may be taken at once; now is the latest step's stamp."""

    __slots__ = ("_now",)

    def __init__(self) -> None:
        self._now = 0

    def wait_until(self, ts_ns: int) -> None:
        """Never waits; moves now to ``ts_ns``."""
        self._now = ts_ns

    def now_ns(self) -> int:
        """The latest step's stamp (0 before the first)."""
        return self._now


class WallClock:
    """Real time: a live feed (``speed`` None) or a replay paced at ``speed`` times real time.

    With ``speed`` the first step anchors data time to wall time; a later step stamped ``dt`` after
    the first is taken ``dt / speed`` of wall time after it. Without, a step waits for its stamp.
    """

    __slots__ = ("_anchor", "_sleep", "_time_ns", "speed")

    def __init__(
        self,
        speed: float | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        time_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self._sleep = sleep
        self._time_ns = time_ns
        self._anchor: tuple[int, int] | None = None  # (first step's stamp, wall time then)

    def wait_until(self, ts_ns: int) -> None:
        """Sleep until the step stamped ``ts_ns`` is due."""
        if self.speed is None:
            due = ts_ns
        else:
            if self._anchor is None:
                self._anchor = (ts_ns, self._time_ns())
            first, wall = self._anchor
            due = wall + round((ts_ns - first) / self.speed)
        delay = due - self._time_ns()
        if delay > 0:
            self._sleep(delay / 1e9)

    def now_ns(self) -> int:
        """Wall time now."""
        return self._time_ns()
