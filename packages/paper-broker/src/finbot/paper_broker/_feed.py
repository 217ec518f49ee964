"""The market-data feed port of a paper session, its replay implementation and the pacing clock."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from finbot.contracts import Bar, MarketData

Step = tuple[int, Mapping[str, Bar]]
"""One instant (UTC ns) and the bars stamped with it."""


class BarFeed(Protocol):
    """Where a session's bars come from, step by step; a live source implements it too."""

    def steps(self, after_ns: int | None = None) -> Iterator[Step]:
        """Steps in time order, from the first one after ``after_ns`` (all when None)."""
        ...


class ReplayFeed:
    """Replays recorded ``MarketData`` as a feed, in the order of its instants."""

    def __init__(self, data: MarketData) -> None:
        self.data = data

    def steps(self, after_ns: int | None = None) -> Iterator[Step]:
        series = [(iid, self.data.bars(iid)) for iid in self.data.instrument_ids]
        stamps = sorted({ts for _, s in series for ts in s.ts_ns})
        start = 0 if after_ns is None else bisect.bisect_right(stamps, after_ns)
        cursor = {
            iid: (0 if after_ns is None else bisect.bisect_right(s.ts_ns, after_ns))
            for iid, s in series
        }
        for ts in stamps[start:]:
            bars: dict[str, Bar] = {}
            for iid, s in series:
                i = cursor[iid]
                if i < len(s) and s.ts_ns[i] == ts:
                    bars[iid] = s[i]
                    cursor[iid] = i + 1
            yield ts, bars


class Pacer:
    """Waits so that session time passes ``speed`` times faster than wall time (None: no wait)."""

    def __init__(
        self,
        speed: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.speed = speed
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[float, int] | None = None

    def wait(self, ts_ns: int) -> None:
        """Return when step ``ts_ns`` is due."""
        if self.speed is None:
            return
        if self._origin is None:
            self._origin = (self._clock(), ts_ns)
            return
        wall0, ts0 = self._origin
        due = wall0 + (ts_ns - ts0) / 1e9 / self.speed
        delay = due - self._clock()
        if delay > 0:
            self._sleep(delay)
