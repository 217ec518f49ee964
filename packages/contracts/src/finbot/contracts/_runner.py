"""Engine-neutral run driver: the accounting, bookkeeping and strategy calls every adapter shares.

An adapter translates engine events into calls on ``StrategyRunner`` and routes the orders the
runner hands it. The runner composes the run's parts, each in its own module: the market-data feed
(``BarFeed``: a replay, or a stream that does not know where it ends), the order manager, the
ledger, and the result builder. Everything that decides a number in the result happens there, once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from ._account import AccountState
from ._config import RunConfig
from ._corporate_actions import ActionSchedule
from ._feed import BarFeed
from ._fill_costs import FillCosts
from ._ledger import Ledger
from ._market import Bar, BarSeries, Instrument, MarketData
from ._order_manager import OrderManager
from ._orders import (
    Fill,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    TimeInForce,
)
from ._result import BacktestResult, EngineInfo
from ._result_builder import build_result
from ._strategy import PriceField, Strategy
from ._time import from_ns
from ._trailing import TrailingStop

END_OF_DATA = "end of data"
IOC_CANCELED = "immediate or cancel: the rest was not filled on its first bar"
FOK_CANCELED = "fill or kill: not filled whole on its first bar"
_LOG = logging.getLogger("finbot.strategy")


class OrderRouter(Protocol):
    """The adapter side of order flow: send an order into the engine, or ask to cancel it.

    A router that can change working orders also has the ``Broker`` port's ``modify(order_id,
    *, quantity, limit_price, stop_price) -> OrderRequest | str``; without it ``ctx.modify_order``
    is refused with a reason.
    """

    def submit(self, order_id: str, request: OrderRequest) -> None:
        """Hand a new order to the engine."""
        ...

    def cancel(self, order_id: str) -> None:
        """Ask the engine to cancel a working order."""
        ...


class StrategyRunner:
    """Drives one strategy over one run and records everything the result needs.

    ``StrategyRunner(strategy, config, data, router)`` replays ``data`` (the adapter calls
    :meth:`step` for every stamp of :attr:`timeline`); :meth:`streaming` builds one fed step by
    step through :meth:`push`, for a live or paper feed whose end is not known.
    """

    def __init__(
        self,
        strategy: Strategy,
        config: RunConfig,
        data: MarketData,
        router: OrderRouter,
        *,
        _feed: BarFeed | None = None,
        _instruments: Mapping[str, Instrument] | None = None,
        _snapshot_id: str | None = None,
    ) -> None:
        self.strategy = strategy
        self.config = config
        self.data = data
        self.router = router
        self.feed = _feed if _feed is not None else BarFeed.replay(data)
        self.instruments = _instruments if _instruments is not None else data.instruments
        self._snapshot_id = _snapshot_id
        self.fill_costs = FillCosts(config.cost_model, self.feed)
        self.ledger = Ledger(
            config.starting_cash, config.cost_model, self.fill_costs, config.account
        )
        # The data's splits and dividends, applied to the ledger as the run reaches them.
        self.actions = ActionSchedule(data.corporate_actions)
        self._has_actions = bool(self.actions)  # read on every step and fill: a plain bool
        self.orders = OrderManager(self._route)
        self.context = RunContext(self)
        timeline = self.feed.timeline
        self.timeline: tuple[int, ...] = timeline if timeline is not None else ()
        self.now_ns = self.timeline[0] if self.timeline else 0
        self.log_lines: list[tuple[int, str]] = []  # (step ts_ns, message) from ctx.log
        self._timers: dict[str, tuple[int, int | None]] = {}  # name -> (due ts_ns, every_ns)
        self._warmup = 0
        self._steps = 0
        self._trails: dict[str, TrailingStop] = {}  # handle -> trailing stop
        # bracket entry id -> (stop-loss, take-profit) prices; exits placed once it fills
        self._brackets: dict[str, tuple[float, float]] = {}
        self._exits_due: list[tuple[OrderUpdate, float, float]] = []
        # IOC/FOK orders still open: order id -> instrument id (canceled after its first bar)
        self._immediate: dict[str, str] = {}

    @classmethod
    def streaming(
        cls,
        strategy: Strategy,
        config: RunConfig,
        instruments: Sequence[Instrument],
        router: OrderRouter,
        *,
        snapshot_id: str | None = None,
    ) -> StrategyRunner:
        """A runner fed one step at a time by :meth:`push`; it never knows which step is last.

        The result's ``data_snapshot_id`` is ``snapshot_id`` when given, else the snapshot id of
        the bars pushed. Every order is routed, also on the step that turns out to be the last;
        :meth:`stop` cancels what is still working.
        """
        feed = BarFeed.stream([i.id for i in instruments])
        # No bars up front: the data is what gets pushed.
        empty = MarketData(
            instruments, [BarSeries.from_bars(i.id, []) for i in instruments], name="stream"
        )
        return cls(
            strategy,
            config,
            empty,
            router,
            _feed=feed,
            _instruments={i.id: i for i in instruments},
            _snapshot_id=snapshot_id,
        )

    # --- the books, as adapters read them --------------------------------------------------
    @property
    def cash(self) -> float:
        """Cash on the books."""
        return self.ledger.cash

    @property
    def positions(self) -> dict[str, float]:
        """Open positions: instrument id -> signed quantity."""
        return self.ledger.positions

    # --- driven by the adapter -------------------------------------------------------------
    def start(self) -> None:
        """Call once before the first step."""
        self._warmup = self.strategy.warmup_steps()
        self.strategy.on_start(self.context)

    def step(self, ts_ns: int) -> None:
        """Advance the replay to ``ts_ns``: mark equity, then hand the step's bars to the strategy.

        Raises:
            EngineRunError: ``ts_ns`` is not the next timestamp of :attr:`timeline`; an engine must
                visit every step, in order, exactly once.
        """
        feed = self.feed
        bars = feed.advance(ts_ns)
        self.now_ns = ts_ns
        if self._has_actions:
            self._corporate_actions(ts_ns, bars)
        self.ledger.mark(ts_ns, feed)
        # Neither fill policy can fill an order placed on the final step in every engine (next
        # open does not exist), so no engine sees it: it is canceled at stop.
        self.orders.routing = not feed.last_step
        if self._exits_due:
            self._place_bracket_exits()
        if self._immediate:
            self._end_immediate(ts_ns, bars)
        # _call_strategy, inlined: this runs once per bar of every replay.
        if self._timers:
            self._fire_timers(ts_ns)
        self._steps = n = self._steps + 1
        if n > self._warmup:
            self.strategy.on_bar(self.context, bars)
        if self._trails:
            self._move_trailing_stops()

    def push(self, ts_ns: int, bars: Mapping[str, Bar]) -> None:
        """A streamed step: take ``bars`` (each stamped ``ts_ns``), mark equity, call the strategy.

        Raises:
            EngineRunError: the runner replays data, the step is not after the previous one, or
                a bar is stamped otherwise or names an instrument the run does not trade.
        """
        taken = self.feed.push(ts_ns, bars)
        self.now_ns = ts_ns
        self.ledger.mark(ts_ns, self.feed)
        self._call_strategy(ts_ns, taken)

    def peek(self, ts_ns: int) -> dict[str, Bar]:
        """The bars stamped ``ts_ns`` that the next replay step hands out, without taking it."""
        return self.feed.peek(ts_ns)

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
        order = self.orders.check_fill(order_id, quantity, price)
        if self._has_actions:
            # A fill priced on or after an ex-date books in post-split shares, after the action.
            self.actions.reach(order.request.instrument_id, ts_ns, self.ledger)
        fill = self.ledger.make_fill(order_id, order.request, quantity, price, ts_ns)
        self.ledger.book(fill)
        update = self.orders.filled(order, quantity, price, ts_ns)
        if self._brackets and update.status is OrderStatus.FILLED and order_id in self._brackets:
            stop, target = self._brackets.pop(order_id)
            # placed at the start of the next step, as if the strategy placed them there
            self._exits_due.append((update, stop, target))
        self.strategy.on_fill(self.context, fill)
        self.strategy.on_order_update(self.context, update)
        return fill

    def commission(self, quantity: float, price: float) -> float:
        """``config.cost_model.commission(quantity, price)``, computed once per run for each pair.

        Adapters that must know a fill's commission before reporting it (to check cash, or to
        charge it inside the engine) call this, so the exact decimal arithmetic runs once.
        """
        return self.ledger.commission(quantity, price)

    def stop(self) -> None:
        """Call once after the last step: orders still working are canceled, then ``on_stop``.

        Orders ``on_stop`` places are never routed and are canceled as ``end of data`` too.
        """
        self.orders.routing = False
        self._cancel_open(END_OF_DATA)
        self.strategy.on_stop(self.context)
        self._cancel_open(END_OF_DATA)

    def result(self, engine: EngineInfo) -> BacktestResult:
        """Assemble the result; trades and metrics come from the one shared path."""
        snapshot = self._snapshot_id
        if snapshot is None:
            data = self.data if self.feed.timeline is not None else self._pushed_data()
            snapshot = data.snapshot_id()
        return build_result(
            self.config, engine, snapshot, self.ledger, self.orders, self.feed.last_close
        )

    # --- used by the context ---------------------------------------------------------------
    def submit(self, request: OrderRequest) -> str:
        order_id = self.orders.submit(request, self.now_ns)
        if request.time_in_force.is_immediate:
            self._immediate[order_id] = request.instrument_id
        return order_id

    def submit_oco(
        self, requests: Sequence[OrderRequest], parent_id: str | None = None
    ) -> list[str]:
        if len(requests) < 2:
            raise ValueError(f"an OCO group needs at least two orders, got {len(requests)}")
        ids = self.orders.submit_oco(list(requests), self.now_ns, parent_id=parent_id)
        for order_id, request in zip(ids, requests, strict=True):
            if request.time_in_force.is_immediate:
                self._immediate[order_id] = request.instrument_id
        return ids

    def modify(
        self,
        order_id: str,
        quantity: float | None,
        limit_price: float | None,
        stop_price: float | None,
    ) -> str | None:
        """Change a working order in place (from the next bar on); why not, or None when done.

        Only an order with nothing filled yet can change (a live venue would race its fills);
        instrument, side, type and time in force stay. Every engine applies the change to the
        order it works, keeping the order's id, so its acceptance and OCO group stand.
        """
        order = self.orders.open.get(order_id)
        if order is None:
            return f"order {order_id} is not working"
        if order.filled_quantity:
            return f"order {order_id} is partly filled; cancel it and place a new one"
        new = order.request.amended(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        if isinstance(new, str):
            return new
        if new == order.request:
            return None
        if self.orders.routed(order_id):
            modify = getattr(self.router, "modify", None)
            if modify is None:
                return f"order {order_id} cannot be changed: this engine cannot modify orders"
            out = modify(
                order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
            )
            if isinstance(out, str):
                return out
        self.orders.amend(order_id, new)
        return None

    def cancel(self, order_id: str) -> None:
        if order_id in self.orders.open:
            if not self.orders.routed(order_id):
                self._update(order_id, OrderStatus.CANCELED, self.now_ns, "canceled by strategy")
            else:
                self.router.cancel(order_id)

    def last_close(self, instrument_id: str) -> float | None:
        return self.feed.last_close(instrument_id)

    def open_orders(self) -> Mapping[str, OrderUpdate]:
        return self.orders.open

    def seen(self, instrument_id: str) -> int:
        return self.feed.seen[instrument_id]

    def equity(self) -> float:
        return self.ledger.cash + self.ledger.market_value(self.feed)[0]

    def account(self) -> AccountState:
        net, gross = self.ledger.market_value(self.feed)
        cash = self.ledger.cash
        return AccountState(
            ts_ns=self.now_ns,
            cash=cash,
            equity=cash + net,
            net_exposure=net,
            gross_exposure=gross,
            positions=tuple(sorted(self.ledger.positions.items())),
        )

    def bracket(self, entry: OrderRequest, stop_loss: float, take_profit: float) -> str:
        buy = entry.side is OrderSide.BUY
        if not (stop_loss < take_profit if buy else stop_loss > take_profit):
            raise ValueError(
                f"a {entry.side} bracket needs its stop-loss ({stop_loss}) "
                f"{'below' if buy else 'above'} its take-profit ({take_profit})"
            )
        order_id = self.submit(entry)
        self._brackets[order_id] = (stop_loss, take_profit)
        return order_id

    def _place_bracket_exits(self) -> None:
        due, self._exits_due = self._exits_due, []
        for entry, stop, target in due:
            r = entry.request
            leg = {
                "instrument_id": r.instrument_id,
                "side": OrderSide.SELL if r.side is OrderSide.BUY else OrderSide.BUY,
                "quantity": entry.filled_quantity,
                "tag": f"bracket {entry.order_id}",
            }
            self.submit_oco(
                [
                    OrderRequest(**leg, order_type=OrderType.STOP, stop_price=stop),
                    OrderRequest(**leg, order_type=OrderType.LIMIT, limit_price=target),
                ],
                parent_id=entry.order_id,
            )

    def trailing_stop(
        self,
        instrument_id: str,
        quantity: float,
        side: OrderSide,
        amount: float | None,
        percent: float | None,
    ) -> str:
        if (amount is None) == (percent is None) or (amount or percent or 0.0) <= 0:
            raise ValueError("a trailing stop needs exactly one of amount or percent, positive")
        close = self.feed.last_close(instrument_id)
        if close is None:
            raise ValueError(f"no bar of {instrument_id} yet to trail from")
        trail = TrailingStop("", instrument_id, side, quantity, amount, percent, "", 0.0)
        trail.stop = trail.stop_for(close)
        trail.order_id = trail.handle = self._trailing_order(trail, trail.stop)
        self._trails[trail.handle] = trail
        return trail.handle

    def cancel_trailing_stop(self, handle: str) -> None:
        trail = self._trails.pop(handle, None)
        if trail is not None:
            self.cancel(trail.order_id)

    def _trailing_order(self, trail: TrailingStop, stop: float) -> str:
        return self.submit(
            OrderRequest(
                instrument_id=trail.instrument_id,
                side=trail.side,
                quantity=trail.quantity,
                order_type=OrderType.STOP,
                stop_price=stop,
                tag="trailing stop",
            )
        )

    def set_timer(self, name: str, at_ns: int, every_ns: int | None) -> None:
        if every_ns is not None and every_ns <= 0:
            raise ValueError(f"timer {name!r}: every_ns must be positive, got {every_ns}")
        self._timers[name] = (at_ns, every_ns)

    def cancel_timer(self, name: str) -> None:
        self._timers.pop(name, None)

    def log(self, message: str) -> None:
        self.log_lines.append((self.now_ns, message))
        _LOG.info("%s %s", from_ns(self.now_ns).isoformat(), message)

    def strategy_state(self) -> Mapping[str, Any]:
        """The strategy's ``on_save_state``, for a checkpoint."""
        return self.strategy.on_save_state(self.context)

    def load_strategy_state(self, state: Mapping[str, Any]) -> None:
        """Hand a checkpoint's strategy state back to ``on_load_state``."""
        self.strategy.on_load_state(self.context, state)

    # --- internals -------------------------------------------------------------------------
    def _corporate_actions(self, ts_ns: int, bars: Mapping[str, Bar]) -> None:
        """Actions whose ex-date a bar of this step reaches, then the dividends payable now."""
        actions, ledger = self.actions, self.ledger
        for iid in bars:
            actions.reach(iid, ts_ns, ledger)
        actions.pay(ts_ns, ledger)

    def _route(self, order_id: str, request: OrderRequest) -> None:
        """Send an order to the engine, unless its quantity is no whole number of lots."""
        instrument = self.instruments.get(request.instrument_id)
        if instrument is not None:
            lots = request.quantity / instrument.lot_size
            if abs(lots - round(lots)) > 1e-9 * max(lots, 1.0):
                self.rejected(
                    order_id,
                    self.now_ns,
                    f"quantity {request.quantity:g} of {request.instrument_id} is not a whole "
                    f"number of lots (lot size {instrument.lot_size:g})",
                )
                return
        self.router.submit(order_id, request)

    def _call_strategy(self, ts_ns: int, bars: dict[str, Bar]) -> None:
        if self._exits_due:
            self._place_bracket_exits()
        if self._immediate:
            self._end_immediate(ts_ns, bars)
        if self._timers:
            self._fire_timers(ts_ns)
        self._steps += 1
        if self._steps > self._warmup:
            self.strategy.on_bar(self.context, bars)
        if self._trails:
            self._move_trailing_stops()

    def _end_immediate(self, ts_ns: int, bars: Mapping[str, Bar]) -> None:
        """Cancel the IOC/FOK orders whose first bar (the instrument's, after placement) has passed.

        The broker has worked that bar before this step: what could fill, filled. The order is
        final at once, so the strategy sees it canceled on this step; the engine drops it too.
        """
        open_orders = self.orders.open
        for order_id, iid in list(self._immediate.items()):
            order = open_orders.get(order_id)
            if order is None:  # filled, rejected or canceled meanwhile
                del self._immediate[order_id]
                continue
            if order.submitted_ts_ns >= ts_ns or iid not in bars:
                continue  # placed on this step, or its instrument has not had its next bar yet
            del self._immediate[order_id]
            fok = order.request.time_in_force is TimeInForce.FOK
            if self.orders.routed(order_id):
                self.router.cancel(order_id)
            self._update(
                order_id, OrderStatus.CANCELED, ts_ns, FOK_CANCELED if fok else IOC_CANCELED
            )

    def _move_trailing_stops(self) -> None:
        for handle, trail in list(self._trails.items()):
            order = self.orders.orders[trail.order_id]
            if order.status.is_final:  # filled, or canceled/rejected/expired: the trail ends
                del self._trails[handle]
                continue
            close = self.feed.last_close(trail.instrument_id)
            if close is None:
                continue
            stop = trail.stop_for(close)
            if stop > 0 and trail.improves(stop):
                self.cancel(trail.order_id)
                trail.order_id = self._trailing_order(trail, stop)
                trail.stop = stop

    def _fire_timers(self, ts_ns: int) -> None:
        due = sorted((at, name) for name, (at, _) in self._timers.items() if at <= ts_ns)
        for at, name in due:
            timer = self._timers.get(name)
            if timer is None or timer[0] != at:  # canceled or reset by an earlier callback
                continue
            every = timer[1]
            if every is None:
                del self._timers[name]
            else:  # the next due instant after this step; missed periods fire once
                self._timers[name] = (at + ((ts_ns - at) // every + 1) * every, every)
            self.strategy.on_timer(self.context, name)

    def _pushed_data(self) -> MarketData:
        feed = self.feed
        series = []
        for iid in feed.instrument_ids:
            f = feed.fields[iid]
            series.append(
                BarSeries.from_columns(
                    iid,
                    feed.stamps[iid],
                    f["open"],
                    f["high"],
                    f["low"],
                    f["close"],
                    f["volume"],
                )
            )
        return MarketData(self.instruments.values(), series, name="stream")

    def _cancel_open(self, reason: str) -> None:
        for order_id in list(self.orders.open):
            self._update(order_id, OrderStatus.CANCELED, self.now_ns, reason)

    def _update(
        self, order_id: str, status: OrderStatus, ts_ns: int, reason: str | None = None
    ) -> None:
        update = self.orders.transition(order_id, status, ts_ns, reason)
        if update is not None:
            self.strategy.on_order_update(self.context, update)


class RunContext:
    """The ``StrategyContext`` every adapter hands its strategy, backed by ``StrategyRunner``."""

    __slots__ = ("_feed", "_ledger", "_runner")

    def __init__(self, runner: StrategyRunner) -> None:
        self._runner = runner
        self._feed = runner.feed
        self._ledger = runner.ledger

    @property
    def time_ns(self) -> int:
        return self._runner.now_ns

    @property
    def now(self) -> datetime:
        return from_ns(self._runner.now_ns)

    @property
    def instrument_ids(self) -> Sequence[str]:
        return self._feed.instrument_ids

    def bar(self, instrument_id: str) -> Bar | None:
        return self._feed.bar(instrument_id)

    def history(
        self, instrument_id: str, field: PriceField = "close", length: int | None = None
    ) -> Sequence[float]:
        return self._feed.history(instrument_id, field, length)

    def bar_count(self, instrument_id: str) -> int:
        return self._feed.seen[instrument_id]

    def average_price(self, instrument_id: str) -> float | None:
        return self._ledger.fifo.average_price(instrument_id)

    def unrealized_pnl(self, instrument_id: str) -> float:
        qty = self._ledger.positions.get(instrument_id, 0.0)
        avg = self._ledger.fifo.average_price(instrument_id)
        last = self._feed.last_close(instrument_id)
        if not qty or avg is None or last is None:
            return 0.0
        return qty * (last - avg)

    def log(self, message: str) -> None:
        self._runner.log(message)

    def set_timer(self, name: str, at_ns: int, *, every_ns: int | None = None) -> None:
        self._runner.set_timer(name, at_ns, every_ns)

    def cancel_timer(self, name: str) -> None:
        self._runner.cancel_timer(name)

    def trailing_stop(
        self,
        instrument_id: str,
        quantity: float,
        *,
        side: OrderSide = OrderSide.SELL,
        amount: float | None = None,
        percent: float | None = None,
    ) -> str:
        return self._runner.trailing_stop(instrument_id, quantity, side, amount, percent)

    def cancel_trailing_stop(self, handle: str) -> None:
        self._runner.cancel_trailing_stop(handle)

    def position(self, instrument_id: str) -> float:
        return self._ledger.positions.get(instrument_id, 0.0)

    @property
    def cash(self) -> float:
        return self._ledger.cash

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

    def submit_oco(self, requests: Sequence[OrderRequest]) -> list[str]:
        return self._runner.submit_oco(requests)

    def modify_order(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> str | None:
        return self._runner.modify(order_id, quantity, limit_price, stop_price)

    def bracket(self, entry: OrderRequest, *, stop_loss: float, take_profit: float) -> str:
        return self._runner.bracket(entry, stop_loss, take_profit)

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
        lot = self._runner.instruments[instrument_id].lot_size
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
