"""Engine-neutral run driver: the accounting, bookkeeping and strategy calls every adapter shares.

An adapter translates engine events into calls on ``StrategyRunner`` and routes the orders the
runner hands it. Everything that decides a number in the result happens here, once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from ._account import AccountState
from ._config import RunConfig
from ._errors import EngineRunError
from ._market import Bar, MarketData
from ._metrics import compute_metrics
from ._orders import (
    Fill,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    TimeInForce,
)
from ._result import BacktestResult, EngineInfo, EquityCurve, PositionRecord
from ._strategy import PriceField, Strategy
from ._time import from_ns
from ._trades import match_fifo

END_OF_DATA = "end of data"
# Builds a Bar without its Python-level NamedTuple __new__: the same tuple, twice as fast.
_new_tuple = tuple.__new__
# Quantities closer than this count as equal (fills summing to an order, flat positions).
_QTY_EPSILON = 1e-9


class OrderRouter(Protocol):
    """The adapter side of order flow: send an order into the engine, or ask to cancel it."""

    def submit(self, order_id: str, request: OrderRequest) -> None:
        """Hand a new order to the engine."""
        ...

    def cancel(self, order_id: str) -> None:
        """Ask the engine to cancel a working order."""
        ...


class StrategyRunner:
    """Drives one strategy over one run and records everything the result needs."""

    def __init__(
        self, strategy: Strategy, config: RunConfig, data: MarketData, router: OrderRouter
    ) -> None:
        self.strategy = strategy
        self.config = config
        self.data = data
        self.router = router
        self.context = RunContext(self)
        self._series = {iid: data.bars(iid) for iid in data.instrument_ids}
        self._seen = dict.fromkeys(self._series, 0)
        self.timeline = _union_of_stamps([s.ts_ns for s in self._series.values()])
        # The columns a step reads, looked up once instead of on every step.
        self._bar_columns = tuple(
            (iid, s.ts_ns, s.open, s.high, s.low, s.close, s.volume)
            for iid, s in self._series.items()
        )
        self._closes = {iid: s.close for iid, s in self._series.items()}
        self._steps = len(self.timeline)
        self._next_step = 0
        self.now_ns = self.timeline[0] if self.timeline else 0
        self.cash = config.starting_cash
        self.positions: dict[str, float] = {}
        self._orders: dict[str, OrderUpdate] = {}
        self._open: dict[str, OrderUpdate] = {}
        self._fills: list[Fill] = []
        self._fees: dict[tuple[float, float], float] = {}  # commission by (quantity, price)
        self._curve_ts: list[int] = []
        self._curve_equity: list[float] = []
        self._curve_cash: list[float] = []
        self._curve_gross: list[float] = []
        self._next_order = 1
        # Orders placed on the final step (or while stopping) never reach the engine.
        self._routing = True
        self._unrouted: set[str] = set()

    # --- driven by the adapter -------------------------------------------------------------
    def start(self) -> None:
        """Call once before the first step."""
        self.strategy.on_start(self.context)

    def step(self, ts_ns: int) -> None:
        """Advance to ``ts_ns``: mark equity, then hand the step's bars to the strategy.

        Raises:
            EngineRunError: ``ts_ns`` is not the next timestamp of :attr:`timeline`; an engine must
                visit every step, in order, exactly once.
        """
        k = self._next_step
        if k >= self._steps or self.timeline[k] != ts_ns:
            expected = from_ns(self.timeline[k]) if k < self._steps else "no further step"
            raise EngineRunError(
                f"engine stepped to {from_ns(ts_ns)}, but the next step of the timeline is "
                f"{expected}"
            )
        self._next_step = k = k + 1
        bars = self.peek(ts_ns)
        seen = self._seen
        for iid in bars:
            seen[iid] += 1
        self.now_ns = ts_ns
        self._mark()
        self._routing = k < self._steps
        self.strategy.on_bar(self.context, bars)

    def peek(self, ts_ns: int) -> dict[str, Bar]:
        """The bars stamped ``ts_ns`` that the next step hands out, without taking the step."""
        seen = self._seen
        bars: dict[str, Bar] = {}
        for iid, stamps, o, h, lo, c, v in self._bar_columns:
            i = seen[iid]
            if i < len(stamps) and stamps[i] == ts_ns:
                bars[iid] = _new_tuple(Bar, (stamps[i], o[i], h[i], lo[i], c[i], v[i]))
        return bars

    def accepted(self, order_id: str, ts_ns: int) -> None:
        """The engine accepted an order."""
        self._update(order_id, OrderStatus.ACCEPTED, ts_ns)

    def rejected(self, order_id: str, ts_ns: int, reason: str) -> None:
        """The engine rejected an order."""
        self._update(order_id, OrderStatus.REJECTED, ts_ns, reason)

    def canceled(self, order_id: str, ts_ns: int, reason: str | None = None) -> None:
        """An order was canceled."""
        self._update(order_id, OrderStatus.CANCELED, ts_ns, reason)

    def expired(self, order_id: str, ts_ns: int) -> None:
        """An order's time in force ran out."""
        self._update(order_id, OrderStatus.EXPIRED, ts_ns)

    def filled(self, order_id: str, quantity: float, price: float, ts_ns: int) -> Fill:
        """The engine executed ``quantity`` (unsigned) of an order at ``price``.

        Raises:
            EngineRunError: the order is unknown, already final, or would be overfilled, or the
                quantity or price is not a positive finite number.
        """
        # Engines hand over ints or numpy scalars; plain floats keep the stored JSON (and so the
        # content hash) identical through a round trip.
        quantity, price, ts_ns = float(quantity), float(price), int(ts_ns)
        order = self._orders.get(order_id)
        if order is None:
            raise EngineRunError(f"engine reported a fill for unknown order {order_id}")
        request = order.request
        if order.status.is_final:
            raise EngineRunError(f"engine reported a fill for {order.status} order {order_id}")
        if not (math.isfinite(quantity) and quantity > 0 and math.isfinite(price) and price > 0):
            raise EngineRunError(
                f"engine reported a fill of {quantity} at {price} for order {order_id}; "
                "quantity and price must be positive finite numbers"
            )
        if order.filled_quantity + quantity > request.quantity + _QTY_EPSILON:
            raise EngineRunError(
                f"engine filled {order.filled_quantity + quantity} of order {order_id}, "
                f"which is for {request.quantity}"
            )
        costs = self.config.cost_model
        commission = self.commission(quantity, price)
        slippage = 0.0
        if costs.slippage_bps and request.order_type in (OrderType.MARKET, OrderType.STOP):
            reference = price / (1.0 + request.side.sign * costs.slippage_bps / 10_000.0)
            slippage = abs(price - reference) * quantity
        fill = Fill(
            order_id=order_id,
            instrument_id=request.instrument_id,
            side=request.side,
            quantity=quantity,
            price=price,
            commission=commission,
            slippage=slippage,
            ts_ns=ts_ns,
        )
        self._apply(fill)
        filled = order.filled_quantity + quantity
        avg = ((order.avg_fill_price or 0.0) * order.filled_quantity + price * quantity) / filled
        done = filled >= request.quantity - _QTY_EPSILON
        update = OrderUpdate(
            order_id=order_id,
            request=request,
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            ts_ns=ts_ns,
            submitted_ts_ns=order.submitted_ts_ns,
            filled_quantity=filled,
            avg_fill_price=avg,
        )
        self._store(update)
        self.strategy.on_fill(self.context, fill)
        self.strategy.on_order_update(self.context, update)
        return fill

    def commission(self, quantity: float, price: float) -> float:
        """``config.cost_model.commission(quantity, price)``, computed once per run for each pair.

        Adapters that must know a fill's commission before reporting it (to check cash, or to
        charge it inside the engine) call this, so the exact decimal arithmetic runs once.
        """
        key = (quantity, price)
        fee = self._fees.get(key)
        if fee is None:
            fee = self._fees[key] = self.config.cost_model.commission(quantity, price)
        return fee

    def stop(self) -> None:
        """Call once after the last step: orders still working are canceled, then ``on_stop``.

        Orders ``on_stop`` places are never routed and are canceled as ``end of data`` too.
        """
        self._routing = False
        self._cancel_open(END_OF_DATA)
        self.strategy.on_stop(self.context)
        self._cancel_open(END_OF_DATA)

    def result(self, engine: EngineInfo) -> BacktestResult:
        """Assemble the result; trades and metrics come from the one shared path."""
        curve = EquityCurve(
            ts_ns=tuple(self._curve_ts),
            equity=tuple(self._curve_equity),
            cash=tuple(self._curve_cash),
            gross_exposure=tuple(self._curve_gross),
        )
        orders = tuple(self._orders.values())
        fills = tuple(self._fills)
        trades, open_lots = match_fifo(fills)
        return BacktestResult(
            config=self.config,
            engine=engine,
            data_snapshot_id=self.data.snapshot_id(),
            equity_curve=curve,
            orders=orders,
            fills=fills,
            trades=trades,
            positions=self._position_records(open_lots),
            metrics=compute_metrics(curve, trades, fills, orders, self.config.starting_cash),
        )

    # --- used by the context ---------------------------------------------------------------
    def submit(self, request: OrderRequest) -> str:
        order_id = f"O-{self._next_order:06d}"
        self._next_order += 1
        update = OrderUpdate(
            order_id=order_id,
            request=request,
            status=OrderStatus.NEW,
            ts_ns=self.now_ns,
            submitted_ts_ns=self.now_ns,
        )
        self._store(update)
        # Neither fill policy can fill an order placed on the final step in every engine
        # (next open does not exist), so no engine sees it: it is canceled at stop.
        if self._routing:
            self.router.submit(order_id, request)
        else:
            self._unrouted.add(order_id)
        return order_id

    def cancel(self, order_id: str) -> None:
        if order_id in self._open:
            if order_id in self._unrouted:
                self._update(order_id, OrderStatus.CANCELED, self.now_ns, "canceled by strategy")
            else:
                self.router.cancel(order_id)

    def last_close(self, instrument_id: str) -> float | None:
        i = self._seen[instrument_id]
        return self._closes[instrument_id][i - 1] if i else None

    def open_orders(self) -> Mapping[str, OrderUpdate]:
        return self._open

    def seen(self, instrument_id: str) -> int:
        return self._seen[instrument_id]

    def equity(self) -> float:
        return self.cash + self._market_value()[0]

    def account(self) -> AccountState:
        net, gross = self._market_value()
        return AccountState(
            ts_ns=self.now_ns,
            cash=self.cash,
            equity=self.cash + net,
            net_exposure=net,
            gross_exposure=gross,
            positions=tuple(sorted(self.positions.items())),
        )

    # --- internals -------------------------------------------------------------------------
    def _cancel_open(self, reason: str) -> None:
        for order_id in list(self._open):
            self._update(order_id, OrderStatus.CANCELED, self.now_ns, reason)

    def _update(
        self, order_id: str, status: OrderStatus, ts_ns: int, reason: str | None = None
    ) -> None:
        order = self._orders.get(order_id)
        if order is None:
            raise EngineRunError(f"engine reported {status} for unknown order {order_id}")
        if order.status.is_final:
            return
        update = OrderUpdate(
            order_id=order_id,
            request=order.request,
            status=status,
            ts_ns=ts_ns,
            submitted_ts_ns=order.submitted_ts_ns,
            filled_quantity=order.filled_quantity,
            avg_fill_price=order.avg_fill_price,
            reason=reason,
        )
        self._store(update)
        self.strategy.on_order_update(self.context, update)

    def _store(self, update: OrderUpdate) -> None:
        self._orders[update.order_id] = update
        if update.status.is_final:
            self._open.pop(update.order_id, None)
        else:
            self._open[update.order_id] = update

    def _apply(self, fill: Fill) -> None:
        iid = fill.instrument_id
        held = self.positions.get(iid, 0.0)
        signed = fill.signed_quantity
        new = held + signed
        self.cash -= signed * fill.price + fill.commission
        if abs(new) < 1e-12:
            self.positions.pop(iid, None)
        else:
            self.positions[iid] = new
        self._fills.append(fill)

    def _market_value(self) -> tuple[float, float]:
        net = gross = 0.0
        seen = self._seen
        for iid, qty in self.positions.items():
            i = seen[iid]
            if not i:
                raise EngineRunError(f"position in {iid} before its first bar")
            value = qty * self._closes[iid][i - 1]
            net += value
            gross += abs(value)
        return net, gross

    def _mark(self) -> None:
        # Four flat lists, not a list of points: no tuple per step for the GC to track.
        cash = self.cash
        net, gross = self._market_value() if self.positions else (0.0, 0.0)
        self._curve_ts.append(self.now_ns)
        self._curve_equity.append(cash + net)
        self._curve_cash.append(cash)
        self._curve_gross.append(gross)

    def _position_records(
        self, open_lots: Mapping[str, tuple[float, float]]
    ) -> tuple[PositionRecord, ...]:
        # The average price is that of the FIFO lots still open, the same matching that builds
        # the trades, so realized (trades) plus unrealized (positions) P&L is the total P&L.
        records = []
        for iid, qty in sorted(self.positions.items()):
            last = self.last_close(iid) or 0.0
            if iid not in open_lots:
                raise EngineRunError(f"position in {iid} has no open FIFO lots; books disagree")
            avg = open_lots[iid][1]
            records.append(
                PositionRecord(
                    instrument_id=iid,
                    quantity=qty,
                    avg_price=avg,
                    last_price=last,
                    market_value=qty * last,
                    unrealized_pnl=qty * (last - avg),
                )
            )
        return tuple(records)


def _union_of_stamps(stamps: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Every instant at which some series has a bar, in order."""
    if len(stamps) == 1:
        return stamps[0]  # a BarSeries' stamps already strictly increase
    return tuple(sorted(set().union(*stamps)))


class RunContext:
    """The ``StrategyContext`` every adapter hands its strategy, backed by ``StrategyRunner``."""

    __slots__ = ("_runner",)

    def __init__(self, runner: StrategyRunner) -> None:
        self._runner = runner

    @property
    def time_ns(self) -> int:
        return self._runner.now_ns

    @property
    def now(self) -> datetime:
        return from_ns(self._runner.now_ns)

    @property
    def instrument_ids(self) -> Sequence[str]:
        return self._runner.data.instrument_ids

    def bar(self, instrument_id: str) -> Bar | None:
        i = self._runner.seen(instrument_id)
        return self._runner.data.bars(instrument_id)[i - 1] if i else None

    def history(
        self, instrument_id: str, field: PriceField = "close", length: int | None = None
    ) -> Sequence[float]:
        # Called by most strategies on every bar: read the runner's tables directly.
        runner = self._runner
        end = runner._seen[instrument_id]
        column: tuple[float, ...] = getattr(runner._series[instrument_id], field)
        if length is None:
            return column[:end]
        start = end - length
        return column[start if start > 0 else 0 : end]

    def bar_count(self, instrument_id: str) -> int:
        return self._runner.seen(instrument_id)

    def position(self, instrument_id: str) -> float:
        return self._runner.positions.get(instrument_id, 0.0)

    @property
    def cash(self) -> float:
        return self._runner.cash

    @property
    def equity(self) -> float:
        return self._runner.equity()

    def account(self) -> AccountState:
        return self._runner.account()

    def open_orders(self, instrument_id: str | None = None) -> Sequence[OrderUpdate]:
        return [
            o
            for o in self._runner.open_orders().values()
            if instrument_id is None or o.request.instrument_id == instrument_id
        ]

    def submit_order(self, request: OrderRequest) -> str:
        return self._runner.submit(request)

    def cancel_order(self, order_id: str) -> None:
        self._runner.cancel(order_id)

    def buy(
        self,
        instrument_id: str,
        quantity: float,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        tag: str | None = None,
    ) -> str:
        return self._order(
            OrderSide.BUY, instrument_id, quantity, limit_price, stop_price, time_in_force, tag
        )

    def sell(
        self,
        instrument_id: str,
        quantity: float,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        tag: str | None = None,
    ) -> str:
        return self._order(
            OrderSide.SELL, instrument_id, quantity, limit_price, stop_price, time_in_force, tag
        )

    def order_target_quantity(self, instrument_id: str, target: float) -> str | None:
        delta = target - self.position(instrument_id)
        if abs(delta) < 1e-12:
            return None
        side = OrderSide.BUY if delta > 0 else OrderSide.SELL
        return self._order(side, instrument_id, abs(delta), None, None, TimeInForce.GTC, None)

    def order_target_percent(self, instrument_id: str, fraction: float) -> str | None:
        price = self._runner.last_close(instrument_id)
        if price is None:
            return None
        lot = self._runner.data.instruments[instrument_id].lot_size
        units = self.equity * fraction / price / lot
        target = math.floor(units) * lot if units >= 0 else math.ceil(units) * lot
        return self.order_target_quantity(instrument_id, target)

    def close_position(self, instrument_id: str) -> str | None:
        return self.order_target_quantity(instrument_id, 0.0)

    def _order(
        self,
        side: OrderSide,
        instrument_id: str,
        quantity: float,
        limit_price: float | None,
        stop_price: float | None,
        time_in_force: TimeInForce,
        tag: str | None,
    ) -> str:
        if limit_price is not None and stop_price is not None:
            order_type = OrderType.STOP_LIMIT
        elif limit_price is not None:
            order_type = OrderType.LIMIT
        elif stop_price is not None:
            order_type = OrderType.STOP
        else:
            order_type = OrderType.MARKET
        return self._runner.submit(
            OrderRequest(
                instrument_id=instrument_id,
                side=side,
                quantity=quantity,
                order_type=order_type,
                limit_price=limit_price,
                stop_price=stop_price,
                time_in_force=time_in_force,
                tag=tag,
            )
        )
