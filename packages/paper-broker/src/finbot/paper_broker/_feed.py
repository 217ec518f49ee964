"""The market-data feed port of a paper session, and its replay of recorded data.

A session takes its steps from a :class:`MarketFeed`; pacing is the contracts' ``Clock`` port
(``WallClock`` for a paced replay or a live source).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from finbot.contracts import Bar, MarketData
from finbot.contracts.engine import BarFeed

Step = tuple[int, Mapping[str, Bar]]
"""One instant (UTC ns) and the bars stamped with it."""


class MarketFeed(Protocol):
    """Where a session's bars come from, step by step; a live source implements it too."""

    def steps(self, after_ns: int | None = None) -> Iterator[Step]:
        """Steps in time order, from the first one after ``after_ns`` (all when None).

        A resumed session asks for the steps after the last one it took; a live source that
        cannot go back starts from its next bar.
        """
        ...


class ReplayFeed:
    """Replays recorded ``MarketData`` as a feed, in the order of its instants."""

    def __init__(self, data: MarketData) -> None:
        self.data = data

    def steps(self, after_ns: int | None = None) -> Iterator[Step]:
        # The runner's own replay walks the data: one copy of how a step's bars are found.
        feed = BarFeed.replay(self.data)
        assert feed.timeline is not None  # a replay knows its timeline
        for ts in feed.timeline:
            bars = feed.advance(ts)
            if after_ns is None or ts > after_ns:
                yield ts, bars
