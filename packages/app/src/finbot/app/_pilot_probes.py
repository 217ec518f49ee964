"""The pilot's contract-feature probes: one tiny scripted run per feature on every engine.

An engine honours a feature when its run equals sim's, the reference broker (ADR 0026 M4, S6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from finbot.contracts import (
    AccountKind,
    AccountModel,
    BacktestEngine,
    BacktestResult,
    Bar,
    BarSeries,
    CostModel,
    DatasetRef,
    EngineRunError,
    FillPolicy,
    Instrument,
    MarketData,
    OrderRequest,
    OrderSide,
    OrderType,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    TimeInForce,
    to_ns,
)

from . import _wiring

IID = "AAA"
DAY_NS = 86_400 * 10**9
# (open, high, low, close): a rise, then a fall on the last two bars (trailing stops, brackets).
BARS = (
    (100.0, 101.0, 99.0, 100.0),
    (100.0, 102.0, 98.0, 101.0),
    (101.0, 103.0, 100.0, 102.0),
    (102.0, 104.0, 101.0, 103.0),
    (103.0, 103.5, 99.0, 100.0),
    (100.0, 101.0, 96.0, 99.0),
)
REFERENCE = "sim"
ENGINES = ("backtrader", REFERENCE, "paper", "nautilus", "nautilus-native")

@dataclass(frozen=True, slots=True)
class Act:
    """One scripted call on the strategy context, as data (paper sessions pickle the strategy).

    ``ctx.<call>(*args, **kwargs)``; ``ref`` prepends the order id kept under that name, ``name``
    keeps the call's result (an order id) under that name.
    """

    call: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    name: str | None = None
    ref: str | None = None


class _Script(Strategy):
    """Runs the calls scripted for each step (0-based); ``ids`` keeps order ids by name."""

    strategy_id = "pilot_probe"

    def __init__(self, script: Mapping[int, Sequence[Act]]) -> None:
        super().__init__()
        self.script = dict(script)
        self.ids: dict[str, str] = {}
        self._step = -1

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self._step += 1
        for act in self.script.get(self._step, ()):
            method = getattr(ctx, act.call, None)
            if method is None:
                raise NotImplementedError(f"the strategy API has no ctx.{act.call} on this version")
            args = ((self.ids[act.ref],) if act.ref else ()) + act.args
            out = method(*args, **dict(act.kwargs))
            if act.name:
                self.ids[act.name] = out


def _limit(side: OrderSide, qty: float, price: float) -> OrderRequest:
    return OrderRequest(
        instrument_id=IID, side=side, quantity=qty, order_type=OrderType.LIMIT, limit_price=price
    )


def _stop(side: OrderSide, qty: float, price: float) -> OrderRequest:
    return OrderRequest(
        instrument_id=IID, side=side, quantity=qty, order_type=OrderType.STOP, stop_price=price
    )


@dataclass(frozen=True, slots=True)
class Probe:
    """One contract feature; ``core`` features are ADR 0026's M4, the others its S6."""

    name: str
    core: bool
    script: Mapping[int, Sequence[Act]]
    config: Mapping[str, Any] = field(default_factory=dict)


def _buy(qty: float = 10.0, *, name: str | None = None, **kw: Any) -> Act:
    return Act("buy", (IID, qty), tuple(kw.items()), name=name)


def _sell(qty: float = 10.0) -> Act:
    return Act("sell", (IID, qty))


_OCO = (_limit(OrderSide.SELL, 10.0, 103.5), _stop(OrderSide.SELL, 10.0, 97.0))
_ENTRY = OrderRequest(instrument_id=IID, side=OrderSide.BUY, quantity=10.0)

PROBES: tuple[Probe, ...] = (
    Probe("market order", True, {0: [_buy()]}),
    Probe("limit order", True, {0: [_buy(limit_price=99.5)]}),
    Probe("stop order", True, {0: [_buy(stop_price=101.5)]}),
    Probe("stop-limit order", True, {0: [_buy(stop_price=101.5, limit_price=101.8)]}),
    Probe(
        "cancel",
        True,
        {0: [_buy(limit_price=90.0, name="resting")], 1: [Act("cancel_order", ref="resting")]},
    ),
    Probe("DAY expiry", True, {0: [_buy(limit_price=90.0, time_in_force=TimeInForce.DAY)]}),
    Probe("commission schedule (ib_fixed)", True, {0: [_buy()]}, {"cost": "ib_fixed"}),
    Probe("short sale", True, {0: [_sell()], 2: [_buy()]}, {"account": "margin"}),
    Probe("next_open fill policy", False, {0: [_buy()]}, {"fill_policy": FillPolicy.NEXT_OPEN}),
    Probe("insufficient-cash rejection", False, {0: [_buy(100.0)]}, {"cash": 1_000.0}),
    Probe("slippage_bps", False, {0: [_buy()]}, {"slippage_bps": 10.0}),
    Probe("fractional quantity", False, {0: [_buy(2.5)]}),
    Probe(
        "trailing stop",
        False,
        {0: [_buy()], 1: [Act("trailing_stop", (IID, 10.0), (("amount", 1.5),))]},
    ),
    Probe("OCO", False, {0: [_buy()], 1: [Act("submit_oco", (list(_OCO),))]}),
    Probe(
        "bracket",
        False,
        {0: [Act("bracket", (_ENTRY,), (("stop_loss", 97.0), ("take_profit", 103.5)))]},
    ),
    Probe(
        "order modify",
        False,
        {
            0: [_buy(limit_price=90.0, name="resting")],
            1: [Act("modify_order", (), (("limit_price", 99.5),), ref="resting")],
        },
    ),
)


def probe_market() -> MarketData:
    start = to_ns(date(2024, 1, 1))
    bars = [Bar(start + i * DAY_NS, *row, 1_000_000.0) for i, row in enumerate(BARS)]
    return MarketData([Instrument(id=IID)], [BarSeries.from_bars(IID, bars)], name="pilot-probe")


def probe_config(probe: Probe, engine: str) -> RunConfig:
    cfg = probe.config
    cost = (
        CostModel.preset(str(cfg["cost"]))
        if "cost" in cfg
        else CostModel(commission_bps=10.0, slippage_bps=float(cfg.get("slippage_bps", 0.0)))
    )
    return RunConfig(
        strategy=StrategySpec(id=_Script.strategy_id),
        dataset=DatasetRef(name="pilot-probe"),
        starting_cash=float(cfg.get("cash", 100_000.0)),
        cost_model=cost,
        fill_policy=cfg.get("fill_policy", FillPolicy.THIS_CLOSE),
        engine=engine,
        # shorts need a margin account (ADR 0022); Nautilus native takes its own (margin)
        account=AccountModel(kind=AccountKind(str(cfg.get("account", "cash")))),
    )


def signature(result: BacktestResult) -> tuple[object, ...]:
    """What must agree: each fill (side, quantity, price, bar), each order's final status, fees."""
    fills = tuple(
        (f.side.value, round(f.quantity, 9), round(f.price, 6), f.ts_ns) for f in result.fills
    )
    statuses = tuple(
        (o.request.side.value, o.request.order_type.value, o.status.value) for o in result.orders
    )
    return fills, statuses, round(result.metrics.total_commission, 2)


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """One probe on one engine: ``honoured`` None when the reference itself could not run it."""

    probe: str
    core: bool
    engine: str
    honoured: bool | None
    detail: str


def _run(probe: Probe, engine: BacktestEngine, data: MarketData) -> BacktestResult | str:
    try:
        return engine.run(probe_config(probe, engine.name), _Script(probe.script), data)
    except Exception as exc:  # a probe that raises is a feature the engine did not honour
        cause = exc.__cause__ if isinstance(exc, EngineRunError) and exc.__cause__ else exc
        return f"refused: {type(cause).__name__}: {cause}".splitlines()[0][:200]


def _describe(result: BacktestResult) -> str:
    fills = ", ".join(f"{f.side.value} {f.quantity:g} @ {f.price:g}" for f in result.fills)
    statuses = ", ".join(o.status.value for o in result.orders)
    return f"fills: {fills or 'none'}; orders: {statuses or 'none'}"


def run_probes(
    *,
    probes: Sequence[Probe] = PROBES,
    engines: Sequence[str] = ENGINES,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[ProbeOutcome, ...]:
    """Every probe on every engine, each compared with the reference engine's run.

    Each probe places the orders of one contract feature on six hand-made daily bars. An engine
    honours the feature when its run completes and its fills (side, quantity, price, bar), final
    order statuses and commission equal those of ``sim`` (the contract's broker, ADR 0010).
    """
    data = probe_market()
    built = {name: _wiring.make_engine(name) for name in engines}
    outcomes: list[ProbeOutcome] = []
    for probe in probes:
        progress(f"feature probe: {probe.name}")
        runs = {name: _run(probe, engine, data) for name, engine in built.items()}
        reference = runs[REFERENCE]
        for name, run in runs.items():
            if isinstance(run, str):
                honoured = None if isinstance(reference, str) else False
                outcomes.append(ProbeOutcome(probe.name, probe.core, name, honoured, run))
                continue
            if isinstance(reference, str):
                detail = f"{_describe(run)} (the reference could not run it)"
                outcomes.append(ProbeOutcome(probe.name, probe.core, name, None, detail))
                continue
            same = signature(run) == signature(reference)
            outcomes.append(ProbeOutcome(probe.name, probe.core, name, same, _describe(run)))
    return tuple(outcomes)
