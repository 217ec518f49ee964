"""A hand-written reference engine for contract tests: it implements ``OrderRouter`` and drives
``StrategyRunner`` over bars with simple, explicit fill rules (no engine library involved).

Fill rules, checked against each instrument's bar at a step (before that step's ``on_bar``):
- market: ``next_open`` fills at the first bar after submission, at its open; ``this_close`` fills
  at the close of the submission step's bar (reported after ``on_bar``), or at the next open when
  the instrument had no bar on that step. Slippage per the cost model.
- limit buy: open if open <= limit, else limit if low <= limit (sells mirror it). No slippage.
- stop buy: open if open >= stop, else stop if high >= stop (sells mirror it); slipped. A
  stop-limit becomes a limit order once its stop trades and may fill on the same bar.
- ``max_fill_per_bar`` caps each fill (the rest waits for later bars); DAY orders expire after
  the first bar they could have filled on. Acceptances and cancels are confirmed at the next step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from finbot.contracts import (
    BacktestResult,
    Bar,
    EngineInfo,
    Fill,
    FillPolicy,
    MarketData,
    OrderRequest,
    OrderSide,
    OrderType,
    OrderUpdate,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategyRunner,
    TimeInForce,
)

FAKE_ENGINE = EngineInfo(name="fake", version="1", adapter="contracts-tests", adapter_version="1")


@dataclass
class _Working:
    order_id: str
    request: OrderRequest
    step: int  # the step index it was submitted on (-1: on_start)
    triggered: bool = False
    remaining: float = 0.0


@dataclass
class FakeEngine:
    """Routes the runner's orders and fills them by the rules in the module docstring."""

    data: MarketData
    config: RunConfig
    max_fill_per_bar: float | None = None
    submitted: list[str] = field(default_factory=list)
    cancel_requests: list[str] = field(default_factory=list)
    _working: dict[str, _Working] = field(default_factory=dict)
    _to_accept: list[str] = field(default_factory=list)
    _to_cancel: list[str] = field(default_factory=list)
    _step: int = -1

    # --- OrderRouter ---------------------------------------------------------------------------
    def submit(self, order_id: str, request: OrderRequest) -> None:
        self.submitted.append(order_id)
        self._working[order_id] = _Working(order_id, request, self._step, False, request.quantity)
        self._to_accept.append(order_id)

    def cancel(self, order_id: str) -> None:
        self.cancel_requests.append(order_id)
        self._to_cancel.append(order_id)

    # --- driving ---------------------------------------------------------------------------------
    def run(self, strategy: Strategy) -> BacktestResult:
        runner = StrategyRunner(strategy, self.config, self.data, self)
        runner.start()
        series = {iid: self.data.bars(iid) for iid in self.data.instrument_ids}
        index = {iid: dict(zip(s.ts_ns, range(len(s)), strict=True)) for iid, s in series.items()}
        for step, ts in enumerate(runner.timeline):
            self._step = step
            bars = {iid: series[iid][index[iid][ts]] for iid in series if ts in index[iid]}
            self._accept(runner, ts)
            for order_id in self._to_cancel:
                if self._working.pop(order_id, None) is not None:
                    runner.canceled(order_id, ts)
            self._to_cancel.clear()
            for working in list(self._working.values()):
                bar = bars.get(working.request.instrument_id)
                if bar is not None:
                    self._try_fill(runner, working, bar, at_close=False)
            runner.step(ts)
            if self.config.fill_policy is FillPolicy.THIS_CLOSE:
                self._accept(runner, ts)
                for working in list(self._working.values()):
                    bar = bars.get(working.request.instrument_id)
                    if (
                        bar is not None
                        and working.step == step
                        and working.request.order_type is OrderType.MARKET
                    ):
                        self._try_fill(runner, working, bar, at_close=True)
        runner.stop()
        return runner.result(FAKE_ENGINE)

    def _accept(self, runner: StrategyRunner, ts_ns: int) -> None:
        for order_id in self._to_accept:
            runner.accepted(order_id, ts_ns)
        self._to_accept.clear()

    def _try_fill(self, runner: StrategyRunner, w: _Working, bar: Bar, *, at_close: bool) -> None:
        request = w.request
        price = self._price(w, bar, at_close=at_close)
        if price is not None:
            quantity = w.remaining
            if self.max_fill_per_bar is not None:
                quantity = min(quantity, self.max_fill_per_bar)
            w.remaining -= quantity
            if w.remaining <= 1e-12:
                del self._working[w.order_id]
            runner.filled(w.order_id, quantity, price, bar.ts_ns)
        if w.order_id in self._working and request.time_in_force is TimeInForce.DAY:
            del self._working[w.order_id]
            runner.expired(w.order_id, bar.ts_ns)

    def _price(self, w: _Working, bar: Bar, *, at_close: bool) -> float | None:
        request = w.request
        costs = self.config.cost_model
        side = request.side
        buy = side is OrderSide.BUY
        kind = request.order_type
        if kind is OrderType.MARKET:
            if at_close:
                return costs.slipped_price(side, bar.close)
            if self.config.fill_policy is FillPolicy.THIS_CLOSE and w.step == self._step:
                return None  # fills at this step's close, after on_bar
            return costs.slipped_price(side, bar.open)
        if kind in (OrderType.STOP, OrderType.STOP_LIMIT) and not w.triggered:
            stop = request.stop_price
            assert stop is not None
            if (buy and bar.open >= stop) or (not buy and bar.open <= stop):
                trigger = bar.open
            elif (buy and bar.high >= stop) or (not buy and bar.low <= stop):
                trigger = stop
            else:
                return None
            if kind is OrderType.STOP:
                return costs.slipped_price(side, trigger)
            w.triggered = True
            return _limit_fill(buy, request.limit_price, bar, start=trigger)
        return _limit_fill(buy, request.limit_price, bar, start=bar.open)


def _limit_fill(buy: bool, limit: float | None, bar: Bar, *, start: float) -> float | None:
    assert limit is not None
    if (buy and start <= limit) or (not buy and start >= limit):
        return start
    if (buy and bar.low <= limit) or (not buy and bar.high >= limit):
        return limit
    return None


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
        BarSeries,
        CostModel,
        DatasetRef,
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
