"""Hand-made runs for the report tests: a random-walk market and a result consistent with it.

Engine-free (finbot-reports depends on the contracts only): the fills are scripted and the books
kept here the way the runner keeps them, so equity = cash + position at each close.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from finbot.contracts import (
    BacktestResult,
    BarSeries,
    CostBreakdown,
    EngineInfo,
    EquityCurve,
    Fill,
    Instrument,
    MarketData,
    OrderSide,
    RunConfig,
    build_trades,
    compute_metrics,
    to_ns,
)


def trading_days(start: date, n: int, *, every: int = 1, weekdays_only: bool = True) -> list[date]:
    out: list[date] = []
    day = start
    while len(out) < n:
        if not weekdays_only or day.weekday() < 5:
            out.append(day)
        day += timedelta(days=every)
    return out


def market(days: list[date], instruments: tuple[str, ...] = ("AAA",), seed: int = 7) -> MarketData:
    rng = random.Random(seed)
    series = []
    for inst in instruments:
        closes = [100.0]
        for _ in days[1:]:
            closes.append(round(closes[-1] * (1 + rng.gauss(0.0004, 0.012)), 4))
        series.append(
            BarSeries.from_columns(
                instrument_id=inst,
                ts_ns=[to_ns(d) for d in days],
                open=closes,
                high=[c * 1.01 for c in closes],
                low=[c * 0.99 for c in closes],
                close=closes,
                volume=[1000.0] * len(days),
            )
        )
    return MarketData([Instrument(id=i) for i in instruments], series, name="handmade")


def run(
    data: MarketData,
    *,
    every: int = 20,
    cash: float = 100_000.0,
    commission: float = 1.0,
    engine: str = "handmade",
    price_shift: float = 0.0,
) -> BacktestResult:
    """Alternately buy 100 units and sell them every ``every`` steps of the first instrument."""
    start = cash
    bars = data.bars(data.instrument_ids[0])
    inst = bars.instrument_id
    fills: list[Fill] = []
    position = 0.0
    stamps, equity, cash_col, gross = [], [], [], []
    for k, (ts, close) in enumerate(zip(bars.ts_ns, bars.close, strict=True)):
        stamps.append(ts)
        equity.append(cash + position * close)
        cash_col.append(cash)
        gross.append(abs(position * close))
        if k % every == every - 1 and k < len(bars) - 1:
            side = OrderSide.BUY if position == 0 else OrderSide.SELL
            price = close + price_shift
            fill = Fill(f"O-{len(fills) + 1:06d}", inst, side, 100.0, price, commission, 0.0, ts)
            fills.append(fill)
            position += fill.signed_quantity
            cash -= fill.signed_quantity * price + commission
    curve = EquityCurve(
        ts_ns=tuple(stamps), equity=tuple(equity), cash=tuple(cash_col), gross_exposure=tuple(gross)
    )
    config = RunConfig.model_validate(
        {"strategy": {"id": "scripted"}, "dataset": {"name": data.name}, "engine": engine,
         "starting_cash": start, "cost_model": {"commission_per_share": 0.01}}
    )
    return result_of(curve, config, tuple(fills), data.snapshot_id())


def result_of(
    curve: EquityCurve,
    config: RunConfig | None = None,
    fills: tuple[Fill, ...] = (),
    snapshot: str = "0" * 64,
) -> BacktestResult:
    """A result around ``curve`` (and ``fills``), its metrics from the shared path."""
    if config is None:
        config = RunConfig.model_validate({"strategy": {"id": "scripted"},
                                           "dataset": {"name": "handmade"}})
    engine = config.engine
    trades = build_trades(fills)
    return BacktestResult(
        config=config,
        engine=EngineInfo(name=engine, version="0", adapter="tests", adapter_version="0"),
        data_snapshot_id=snapshot,
        equity_curve=curve,
        orders=(),
        fills=fills,
        costs=CostBreakdown.of_fills(fills),
        trades=trades,
        positions=(),
        metrics=compute_metrics(curve, trades, fills, (), config.starting_cash),
    )


def curve_of(days: list[date], equity: list[float]) -> EquityCurve:
    """An all-cash equity curve on ``days``."""
    return EquityCurve(
        ts_ns=tuple(to_ns(d) for d in days),
        equity=tuple(equity),
        cash=tuple(equity),
        gross_exposure=(0.0,) * len(equity),
    )


def compound(start: float, returns: list[float]) -> list[float]:
    """Equity after each of ``returns`` from ``start``."""
    out: list[float] = []
    value = start
    for r in returns:
        value *= 1 + r
        out.append(value)
    return out
