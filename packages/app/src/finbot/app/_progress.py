"""Step counts for progress displays: how many steps a run has, and a hook counting them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from finbot.contracts import Bar, MarketData, Strategy, StrategyContext

StepHook = Callable[[int], None]


def step_count(data: MarketData) -> int:
    """The steps a run on ``data`` takes: its distinct bar timestamps (the runner's timeline)."""
    stamps: set[int] = set()
    for series in data:
        stamps.update(series.ts_ns)
    return len(stamps)


def count_steps(strategy: Strategy, on_step: StepHook) -> Strategy:
    """Make this strategy instance call ``on_step(n)`` before its n-th ``on_bar``.

    Only the instance is touched (its class and results are not): the hook counts and returns.
    A strategy whose instance takes no attributes is returned as it is (no progress shown).
    """
    inner = strategy.on_bar
    count = 0

    def on_bar(ctx: StrategyContext, bars: Mapping[str, Bar]) -> Any:
        nonlocal count
        count += 1
        on_step(count)
        return inner(ctx, bars)

    with contextlib.suppress(AttributeError):
        strategy.on_bar = on_bar  # type: ignore[method-assign]
    return strategy
