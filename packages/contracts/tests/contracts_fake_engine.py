"""The contract tests' engine: the domain's simulated broker (ADR 0010), recording what it was sent.

Fills follow ADR 0003 exactly as ``SimulatedBroker`` applies them (no engine library involved);
``max_fill_per_bar`` caps each fill so the rest works on later bars (partial fills).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from finbot.contracts import (
    BacktestResult,
    Bar,
    EngineInfo,
    Fill,
    MarketData,
    OrderRequest,
    OrderUpdate,
    RunConfig,
    Strategy,
    StrategyContext,
)
from finbot.contracts.engine import Simulation

FAKE_ENGINE = EngineInfo(name="fake", version="1", adapter="contracts-tests", adapter_version="1")


class _Recorded(Simulation):
    def __init__(self, engine: FakeEngine, strategy: Strategy) -> None:
        cap = engine.max_fill_per_bar
        super().__init__(
            strategy,
            engine.config,
            engine.data,
            fill_cap=None if cap is None else (lambda bar, remaining: cap),
        )
        self.engine = engine

    def submit(self, order_id: str, request: OrderRequest) -> None:
        self.engine.submitted.append(order_id)
        super().submit(order_id, request)

    def cancel(self, order_id: str) -> None:
        self.engine.cancel_requests.append(order_id)
        super().cancel(order_id)


class FakeEngine:
    """Runs a strategy on the simulated broker; lists the order ids routed and cancels asked."""

    def __init__(
        self, data: MarketData, config: RunConfig, max_fill_per_bar: float | None = None
    ) -> None:
        self.data = data
        self.config = config
        self.max_fill_per_bar = max_fill_per_bar
        self.submitted: list[str] = []
        self.cancel_requests: list[str] = []

    def run(self, strategy: Strategy) -> BacktestResult:
        return _Recorded(self, strategy).run(FAKE_ENGINE)


Action = Callable[[StrategyContext], object]


class Scripted(Strategy):
    """Runs the actions given for each step index and records every callback it receives."""

    strategy_id = "scripted"

    def __init__(self, script: Mapping[int, list[Action]] | None = None) -> None:
        super().__init__()
        self.script = dict(script or {})
        self.events: list[tuple[object, ...]] = []
        self.order_ids: list[str | None] = []
        self.seen: list[dict[str, object]] = []
        self._step = -1

    def on_start(self, ctx: StrategyContext) -> None:
        self.events.append(("start",))
        self._act(ctx, self.script.get(-1, []))

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self._step += 1
        self.events.append(("bar", self._step, tuple(bars)))
        self.seen.append(
            {
                "cash": ctx.cash,
                "equity": ctx.equity,
                "positions": {iid: ctx.position(iid) for iid in ctx.instrument_ids},
                "open_orders": [o.order_id for o in ctx.open_orders()],
            }
        )
        self._act(ctx, self.script.get(self._step, []))

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        self.events.append(("update", update.order_id, update.status.value))

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.events.append(("fill", fill.order_id, fill.quantity, fill.price))

    def on_stop(self, ctx: StrategyContext) -> None:
        self.events.append(("stop",))
        self._act(ctx, self.script.get(-2, []))

    def _act(self, ctx: StrategyContext, actions: list[Action]) -> None:
        for action in actions:
            result = action(ctx)
            if isinstance(result, str) or result is None:
                self.order_ids.append(result)


def sample_run() -> BacktestResult:
    """A small deterministic run touching every part of the result (partial fills, a flip, a
    limit order, slippage, an end-of-data cancel, two instruments, an open position)."""
    from datetime import date

    from finbot.contracts import (
        AccountKind,
        AccountModel,
        BarSeries,
        CostModel,
        DatasetRef,
        FillPolicy,
        Instrument,
        StrategySpec,
        to_ns,
    )

    day = 86_400 * 10**9
    t0 = to_ns(date(2024, 1, 2))
    ohlc = [
        (10.0, 11.0, 9.0, 10.0),
        (11.0, 12.0, 10.0, 11.0),
        (12.0, 13.0, 11.0, 12.0),
        (11.0, 12.0, 10.0, 10.0),
        (10.0, 11.0, 9.0, 9.5),
    ]

    def bars(iid: str, rows: list[int]) -> BarSeries:
        return BarSeries.from_columns(
            iid,
            [t0 + i * day for i in rows],
            [ohlc[i][0] for i in rows],
            [ohlc[i][1] for i in rows],
            [ohlc[i][2] for i in rows],
            [ohlc[i][3] for i in rows],
            [1_000.0 + i for i in rows],
        )

    data = MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")],
        [bars("AAA", [0, 1, 2, 3, 4]), bars("BBB", [0, 1, 3, 4])],
        name="sample",
    )
    config = RunConfig(
        strategy=StrategySpec(id="scripted", params={"note": "result_v1 sample"}),
        dataset=DatasetRef(name="sample", snapshot_id=data.snapshot_id()),
        start=date(2024, 1, 2),
        end=date(2024, 1, 6),
        starting_cash=10_000.0,
        cost_model=CostModel(commission_bps=1.0, commission_per_share=0.01, slippage_bps=5.0),
        fill_policy=FillPolicy.NEXT_OPEN,
        engine="fake",
        # the sample shorts with no margin check, as every stored version of it did
        account=AccountModel(kind=AccountKind.UNCHECKED),
    )
    script: dict[int, list[Action]] = {
        0: [
            lambda ctx: ctx.buy("AAA", 10, tag="entry"),
            lambda ctx: ctx.buy("BBB", 5, limit_price=10.5),
        ],
        1: [lambda ctx: ctx.sell("AAA", 4)],
        2: [lambda ctx: ctx.sell("AAA", 16)],
        3: [lambda ctx: ctx.buy("AAA", 6)],
        4: [lambda ctx: ctx.buy("AAA", 1)],
    }
    return FakeEngine(data, config, max_fill_per_bar=8).run(Scripted(script))
