"""A picklable scripted strategy and a hand-made market for the paper session's tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from finbot.contracts import (
    Bar,
    BarSeries,
    DatasetRef,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    to_ns,
)

DAY = 86_400 * 10**9
T0 = to_ns(date(2024, 1, 2))


class Plan(Strategy):
    """Calls ``ctx.<name>(*args, **kwargs)`` for each entry scripted at a step (0-based).

    The name ``call`` runs a module-level function ``f(ctx, *args)`` instead. Plain data only, so
    the strategy pickles like a real one.
    """

    strategy_id = "plan"

    def __init__(self, script: Mapping[int, list[tuple[Any, ...]]]) -> None:
        super().__init__()
        self.script = dict(script)
        self.step = -1
        self.ids: list[str | None] = []

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.step += 1
        for name, *args in self.script.get(self.step, []):
            if name == "call":
                fn, *rest = args
                fn(ctx, *rest)
            else:
                kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
                self.ids.append(getattr(ctx, name)(*args, **kwargs))


def market(rows: list[tuple[float, float, float, float]], volume: float = 1_000.0) -> MarketData:
    """One instrument ``AAA`` with daily bars of (open, high, low, close)."""
    bars = [Bar(T0 + i * DAY, *row, volume) for i, row in enumerate(rows)]
    return MarketData([Instrument(id="AAA")], [BarSeries.from_bars("AAA", bars)], name="hand")


def config(cash: float = 100_000.0) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="plan"),
        dataset=DatasetRef(name="hand"),
        starting_cash=cash,
        engine="paper",
    )
