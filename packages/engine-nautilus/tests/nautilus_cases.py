"""Tiny hand-made markets and a scripted strategy for the Nautilus adapter's tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from finbot.contracts import (
    Bar,
    BarSeries,
    CostModel,
    DatasetRef,
    Fill,
    FillPolicy,
    Instrument,
    MarketData,
    OrderUpdate,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    to_ns,
)

DAY = 86_400 * 10**9
T0 = to_ns(date(2024, 1, 2))

# open, high, low, close of five daily bars; worked examples in the tests refer to these numbers.
FIVE = (
    (100.0, 102.0, 99.0, 101.0),
    (103.0, 105.0, 102.0, 104.0),
    (104.0, 106.0, 100.0, 101.0),
    (98.0, 99.0, 95.0, 97.0),
    (97.0, 100.0, 96.0, 99.0),
)


def series(
    iid: str, rows: Sequence[tuple[float, float, float, float]], stamps: Sequence[int]
) -> BarSeries:
    return BarSeries.from_bars(
        iid, [Bar(ts, o, h, lo, c, 1_000.0) for ts, (o, h, lo, c) in zip(stamps, rows, strict=True)]
    )


Rows = Sequence[tuple[float, float, float, float]]


def market(**columns: tuple[Rows, Sequence[int]]) -> MarketData:
    return MarketData(
        [Instrument(id=iid) for iid in columns],
        [series(iid, rows, stamps) for iid, (rows, stamps) in columns.items()],
        name="hand-made",
    )


def daily(n: int) -> list[int]:
    return [T0 + i * DAY for i in range(n)]


def config(
    policy: FillPolicy = FillPolicy.NEXT_OPEN,
    *,
    cash: float = 100_000.0,
    costs: CostModel | None = None,
) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        starting_cash=cash,
        cost_model=costs or CostModel(commission_bps=10.0, commission_minimum=1.0),
        fill_policy=policy,
        engine="nautilus",
    )


Action = Callable[[StrategyContext], object]


class Scripted(Strategy):
    """Runs the actions given for each step index; records ids, fills, updates and equity."""

    strategy_id = "scripted"

    def __init__(self, script: Mapping[int, list[Action]] | None = None) -> None:
        super().__init__()
        self.script = dict(script or {})
        self.ids: list[object] = []
        self.fills: list[Fill] = []
        self.updates: list[OrderUpdate] = []
        self.steps: list[tuple[int, tuple[str, ...]]] = []
        self._step = -1

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self._step += 1
        self.steps.append((ctx.time_ns, tuple(bars)))
        for action in self.script.get(self._step, []):
            self.ids.append(action(ctx))

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.fills.append(fill)

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        self.updates.append(update)
