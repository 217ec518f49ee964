"""The old path: each golden strategy written natively against Backtrader, plus a native runner.

Nothing here imports finbot's adapter. Native strategies use plain Backtrader API (``self.datas``,
``bt.indicators``, ``order_target_percent``, ``buy(exectype=bt.Order.Limit)``), Backtrader's own
broker, and Backtrader's commission schemes (or a plain ``CommInfoBase`` subclass where Backtrader
has no built-in scheme for the formula). Data reaches Backtrader through its ``GenericCSVData``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import backtrader as bt

from finbot.contracts import CommissionRounding, CostModel, FillPolicy, MarketData, from_ns

# --- commission -------------------------------------------------------------------------------


class PerShareMinimumCentCommission(bt.CommInfoBase):
    """Per-share commission with a per-fill minimum, rounded half up to the cent (IB-style)."""

    params = (
        ("stocklike", True),
        ("commtype", bt.CommInfoBase.COMM_FIXED),
        ("per_share", 0.0),
        ("minimum", 0.0),
    )

    def _getcommission(self, size, price, pseudoexec):
        raw = abs(size) * self.p.per_share
        if raw == 0.0:
            return 0.0
        raw = max(raw, self.p.minimum)
        return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def configure_commission(broker: Any, costs: CostModel) -> None:
    """Set Backtrader's commission the way a Backtrader user would for this cost model."""
    plain = costs.rounding is CommissionRounding.NONE and costs.commission_minimum == 0.0
    if plain and costs.commission_per_share == 0.0:
        broker.setcommission(
            commission=costs.commission_bps / 10_000.0,
            commtype=bt.CommInfoBase.COMM_PERC,
            percabs=True,
            stocklike=True,
        )
    elif plain and costs.commission_bps == 0.0:
        broker.setcommission(
            commission=costs.commission_per_share, commtype=bt.CommInfoBase.COMM_FIXED,
            stocklike=True,
        )
    elif costs.commission_bps == 0.0 and costs.rounding is CommissionRounding.CENT:
        broker.addcommissioninfo(
            PerShareMinimumCentCommission(
                per_share=costs.commission_per_share, minimum=costs.commission_minimum
            )
        )
    else:
        raise NotImplementedError(f"no native commission scheme for {costs}")


# --- recording base ---------------------------------------------------------------------------


class Recording(bt.Strategy):
    """Records every order a native strategy creates, every execution and the value per step."""

    def __init__(self):
        self.placed = []
        self.executions = []
        self.values = []

    def buy(self, *args, **kwargs):
        order = super().buy(*args, **kwargs)
        if order is not None:
            self.placed.append(order)
        return order

    def sell(self, *args, **kwargs):
        order = super().sell(*args, **kwargs)
        if order is not None:
            self.placed.append(order)
        return order

    def notify_cashvalue(self, cash, value):
        self.values.append(value)

    def notify_order(self, order):
        if order.status in (order.Partial, order.Completed):
            for bit in order.executed.iterpending():
                self.executions.append((order, bit))


# --- the three golden strategies, natively ------------------------------------------------------


class NativeSmaCrossover(Recording):
    params = (("fast", 10), ("slow", 30), ("target_fraction", 0.95))

    def __init__(self):
        super().__init__()
        fast = bt.indicators.SMA(self.data.close, period=self.p.fast)
        slow = bt.indicators.SMA(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)

    def next(self):
        if self.cross[0] > 0:
            self.order_target_percent(target=self.p.target_fraction)
        elif self.cross[0] < 0 and self.position.size > 0:
            self.close()


class NativeBollingerReversion(Recording):
    params = (
        ("period", 20),
        ("num_std", 2.0),
        ("entry_offset", 0.01),
        ("entry_fraction", 0.95),
        ("entry_timeout", 5),
        ("stop_loss", 0.05),
        ("price_decimals", 2),
    )

    def __init__(self):
        super().__init__()
        self.bands = bt.indicators.BollingerBands(
            self.data.close, period=self.p.period, devfactor=self.p.num_std
        )
        self.entry_order = self.stop_order = self.exit_order = None
        self.entry_age = 0
        self.entry_price = None

    def notify_order(self, order):
        super().notify_order(order)
        if self.entry_order is not None and order.ref == self.entry_order.ref:
            if order.status == order.Completed:
                self.entry_price = order.executed.price
            if not order.alive():
                self.entry_order = None
        elif self.stop_order is not None and order.ref == self.stop_order.ref and not order.alive():
            self.stop_order = None
        elif self.exit_order is not None and order.ref == self.exit_order.ref and not order.alive():
            self.exit_order = None

    def next(self):
        close = self.data.close[0]
        held = self.position.size
        if self.entry_order is not None:
            self.entry_age += 1
            if self.entry_age >= self.p.entry_timeout:
                self.cancel(self.entry_order)
            return
        if held > 0:
            if self.exit_order is not None:
                return
            if close > self.bands.mid[0]:
                if self.stop_order is not None:
                    self.cancel(self.stop_order)
                self.exit_order = self.close()
            elif self.stop_order is None and self.entry_price is not None:
                stop = round(self.entry_price * (1 - self.p.stop_loss), self.p.price_decimals)
                self.stop_order = self.sell(size=held, exectype=bt.Order.Stop, price=stop)
            return
        if close < self.bands.bot[0] and self.stop_order is None and self.exit_order is None:
            limit = round(close * (1 - self.p.entry_offset), self.p.price_decimals)
            size = math.floor(self.broker.getvalue() * self.p.entry_fraction / limit)
            if size >= 1:
                self.entry_order = self.buy(size=size, exectype=bt.Order.Limit, price=limit)
                self.entry_age = 0


class NativeMomentumRotation(Recording):
    params = (("lookback", 63), ("top_k", 2), ("total_fraction", 0.95))

    def __init__(self):
        super().__init__()
        self.month = None

    def prenext(self):
        self.next()  # trade even while some instrument has no bar yet

    def next(self):
        today = self.datetime.date(0)
        month = (today.year, today.month)
        if month == self.month:
            return
        self.month = month
        n = self.p.lookback
        scored = [
            (-(d.close[0] / d.close[-n] - 1.0), rank, d)
            for rank, d in enumerate(self.datas)
            if len(d) > n
        ]
        if not scored:
            return
        scored.sort(key=lambda item: item[:2])
        chosen = {id(d) for _, _, d in scored[: self.p.top_k]}
        weight = self.p.total_fraction / self.p.top_k
        value = self.broker.getvalue()
        targets = [
            (d, math.floor(value * weight / d.close[0]) if id(d) in chosen else 0)
            for d in self.datas
        ]
        for d, target in targets:
            if target < self.getposition(d).size:
                self.order_target_size(data=d, target=target)
        for d, target in targets:
            if target > self.getposition(d).size:
                self.order_target_size(data=d, target=target)


NATIVE = {
    "sma_crossover": NativeSmaCrossover,
    "bollinger_reversion": NativeBollingerReversion,
    "momentum_rotation": NativeMomentumRotation,
}

# --- running natively --------------------------------------------------------------------------

_EXEC_NAMES = {
    bt.Order.Market: "market",
    bt.Order.Limit: "limit",
    bt.Order.Stop: "stop",
    bt.Order.StopLimit: "stop_limit",
}
_OUTCOMES = {
    bt.Order.Completed: "filled",
    bt.Order.Canceled: "canceled",
    bt.Order.Margin: "rejected",
    bt.Order.Rejected: "rejected",
    bt.Order.Expired: "expired",
}


@dataclass(frozen=True)
class NativeRun:
    """What native Backtrader did, in the shape the A/B comparison needs."""

    orders: list[tuple[str, str, float, str, float | None, float | None]]
    outcomes: list[str]
    fills: list[tuple[int, str, str, float, float, date, float]]
    values: list[float]
    final_value: float


def write_generic_csv(data: MarketData, folder: Path) -> dict[str, Path]:
    """One GenericCSVData file per instrument, prices written with ``repr`` (exact round trip)."""
    paths = {}
    for iid in data.instrument_ids:
        series = data.bars(iid)
        path = folder / f"{iid}.csv"
        with path.open("w") as out:
            out.write("datetime,open,high,low,close,volume\n")
            for bar in series:
                stamp = from_ns(bar.ts_ns).strftime("%Y-%m-%d")
                out.write(
                    f"{stamp},{bar.open!r},{bar.high!r},{bar.low!r},{bar.close!r},{bar.volume!r}\n"
                )
        paths[iid] = path
    return paths


def generic_feed(path: Path, **columns: int) -> Any:
    """A daily ``GenericCSVData`` over one file; ``columns`` override the column positions."""
    layout = {"datetime": 0, "open": 1, "high": 2, "low": 3, "close": 4, "volume": 5}
    layout.update(columns)
    return bt.feeds.GenericCSVData(
        dataname=str(path), dtformat="%Y-%m-%d", openinterest=-1, **layout
    )


def run_native(
    strategy_id: str,
    feeds: dict[str, Any],
    *,
    costs: CostModel,
    fill_policy: FillPolicy,
    starting_cash: float,
    params: dict[str, Any] | None = None,
) -> NativeRun:
    """Run the native version of a golden strategy on Backtrader and collect what it did."""
    cerebro = bt.Cerebro(stdstats=False)
    for name, feed in feeds.items():
        cerebro.adddata(feed, name=name)
    cerebro.broker.setcash(starting_cash)
    configure_commission(cerebro.broker, costs)
    if fill_policy is FillPolicy.THIS_CLOSE:
        cerebro.broker.set_coc(True)
    cerebro.addstrategy(NATIVE[strategy_id], **(params or {}))
    strat = cerebro.run()[0]

    index = {order.ref: i for i, order in enumerate(strat.placed)}
    orders = []
    outcomes = []
    for order in strat.placed:
        kind = _EXEC_NAMES[order.exectype]
        price = order.created.price
        orders.append(
            (
                order.data._name,
                "buy" if order.isbuy() else "sell",
                float(abs(order.created.size)),
                kind,
                price if kind == "limit" else None,
                price if kind == "stop" else None,
            )
        )
        # Orders still alive at the end were placed too late to fill: finbot cancels them.
        outcomes.append(_OUTCOMES.get(order.status, "canceled"))
    fills = [
        (
            index[order.ref],
            order.data._name,
            "buy" if order.isbuy() else "sell",
            float(abs(bit.size)),
            bit.price,
            bt.num2date(bit.dt).date(),
            bit.comm,
        )
        for order, bit in strat.executions
    ]
    return NativeRun(orders, outcomes, fills, strat.values, cerebro.broker.getvalue())
