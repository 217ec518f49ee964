"""``PaperBroker``: paper trading's ``Broker`` (the contracts' port), and its bookkeeping hub.

Orders pass the risk controls, then go to the simulated broker. Every order update the runner
makes is checked against the lifecycle state machine and journaled; the kill switch and the
drawdown stop act at the start of each step, before the strategy sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from finbot.contracts import (
    AccountState,
    Bar,
    BrokerEvent,
    Fill,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderUpdate,
    StrategyRunner,
)

from ._controls import Controls
from ._events import EventStream
from ._lifecycle import IllegalTransitionError, OrderEvent, fill_event, next_status
from ._risk import Book, RiskControls
from ._venue import SimulatedBroker

_EVENT_OF = {
    OrderStatus.ACCEPTED: OrderEvent.ACCEPT,
    OrderStatus.PARTIALLY_FILLED: OrderEvent.PARTIAL_FILL,
    OrderStatus.FILLED: OrderEvent.FILL,
    OrderStatus.CANCELED: OrderEvent.CANCEL,
    OrderStatus.REJECTED: OrderEvent.REJECT,
    OrderStatus.EXPIRED: OrderEvent.EXPIRE,
}


class Live:
    """The parts of a session a checkpoint does not hold: the event stream and the controls."""

    def __init__(self, events: EventStream, controls: Controls) -> None:
        self.events = events
        self.controls = controls
        self.stop_when_flat = False


def _request_payload(request: OrderRequest) -> dict[str, Any]:
    return {
        "instrument_id": request.instrument_id,
        "side": str(request.side),
        "order_type": str(request.order_type),
        "quantity": request.quantity,
        "limit_price": request.limit_price,
        "stop_price": request.stop_price,
        "time_in_force": str(request.time_in_force),
        "tag": request.tag,
    }


class PaperBroker:
    """A ``Broker``: orders pass the risk controls, then execute on the simulated broker.

    The runner reaches it through a ``BrokerRouter`` (as a live broker would be reached); the
    session polls it each step for the order and fill events.
    """

    def __init__(self, risk: RiskControls) -> None:
        self.risk = risk
        # Set by bind() and by the session: the runner and broker are built after this router,
        # and the live parts are the session's, rebuilt on every resume.
        self.live: Live
        self.runner: StrategyRunner
        self.venue: SimulatedBroker
        # order id -> (status, filled quantity, ordered quantity)
        self._status: dict[str, tuple[OrderStatus, float, float]] = {}
        self._reducing = False

    def bind(self, runner: StrategyRunner, venue: SimulatedBroker) -> None:
        """Attach the runner this router serves and the broker its orders go to."""
        self.runner = runner
        self.venue = venue

    # --- the Broker port ----------------------------------------------------------------------
    def submit(
        self, order_id: str, request: OrderRequest, *, oco: str | None = None
    ) -> str | None:
        """Journal a new order, check it against the risk limits, hand it to the venue.

        Returns:
            Why it is refused now (the risk rule and its numbers, or the venue's reason), or None.
        """
        now = self.runner.now_ns
        self._submitted(order_id, request, now)
        book = self._book(order_id)
        rejection = self.risk.check(request, book, now, reducing=self._reducing)
        if rejection is not None:
            return rejection.reason
        return self.venue.submit(order_id, request, oco=oco)

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        """Change a working order, if the changed order passes the risk limits; journaled.

        Returns:
            The new request, or why the change is refused (the order then stays as it was).
        """
        order = self.runner.orders.orders.get(order_id)
        if order is None:
            return f"order {order_id} is not working"
        new = order.request.amended(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        if isinstance(new, str):
            return new
        rejection = self.risk.check_change(new, self._book(order_id))
        if rejection is not None:
            return rejection.reason
        out = self.venue.modify(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        if not isinstance(out, str):
            status, filled, _ = self._status[order_id]
            self._status[order_id] = (status, filled, out.quantity)
            self.live.events.emit(
                "order_modified", self.runner.now_ns, _request_payload(out), order_id
            )
        return out

    def cancel(self, order_id: str) -> bool:
        """Ask the venue to cancel a working order; whether it was working."""
        return self.venue.cancel(order_id)

    def poll(self, ts_ns: int, bars: Mapping[str, Bar]) -> list[BrokerEvent]:
        """The venue's order and fill events on step ``ts_ns``."""
        return self.venue.poll(ts_ns, bars)

    def drain(self) -> list[BrokerEvent]:
        """Events waiting without a step (cancels asked for at the end of the data)."""
        return self.venue.drain()

    def working_orders(self) -> Mapping[str, OrderRequest]:
        """Accepted orders still working, by id."""
        return self.venue.working_orders()

    def account(self) -> AccountState:
        """Cash, equity, exposures and positions now."""
        return self.runner.account()

    # --- observed from the runner (through the strategy wrapper) ----------------------------
    def on_fill(self, fill: Fill) -> None:
        status, filled, ordered = self._status[fill.order_id]
        new = next_status(status, fill_event(filled, fill.quantity, ordered))
        self._status[fill.order_id] = (new, filled + fill.quantity, ordered)
        self.live.events.emit(
            "order_filled" if new is OrderStatus.FILLED else "order_partially_filled",
            fill.ts_ns,
            {
                "instrument_id": fill.instrument_id,
                "side": str(fill.side),
                "quantity": fill.quantity,
                "price": fill.price,
                "commission": fill.commission,
                "slippage": fill.slippage,
                "filled_quantity": filled + fill.quantity,
            },
            fill.order_id,
        )

    def on_order_update(self, update: OrderUpdate) -> None:
        order_id = update.order_id
        if order_id not in self._status:
            # Never routed (placed on the final step or while stopping): first seen canceled.
            self._submitted(order_id, update.request, update.submitted_ts_ns)
        status, filled, ordered = self._status[order_id]
        if update.status in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED):
            if status is not update.status:  # on_fill moves it, with the quantities
                raise IllegalTransitionError(
                    f"order {order_id} reported {update.status} without a fill"
                )
            return
        new = next_status(status, _EVENT_OF[update.status])
        self._status[order_id] = (new, filled, ordered)
        payload: dict[str, Any] = {"filled_quantity": filled}
        if update.reason is not None:
            payload["reason"] = update.reason
        self.live.events.emit(f"order_{new}", update.ts_ns, payload, order_id)

    def before_bar(self) -> None:
        """The step's outside inputs and running checks, before the strategy sees the step."""
        live = self.live
        runner = self.runner
        now = runner.now_ns
        journaled = live.events.next_input(now)
        if journaled is not None:
            if journaled.kind == "kill_switch_tripped":
                self._trip(str(journaled.payload["reason"]))
            else:
                self._reset()
        elif not live.events.replaying:
            controls = live.controls
            # SIGTERM asks for a stop even when the switch tripped earlier for another reason
            live.stop_when_flat = live.stop_when_flat or controls.sigterm
            reason = controls.kill_requested()
            if reason is not None and self.risk.state.killed is None:
                self._trip(reason)
            elif controls.reset_requested():
                if self.risk.state.killed is not None or self.risk.state.halted is not None:
                    self._reset()
                controls.reset_done()
        halted = self.risk.mark(runner.equity())
        if halted is not None:
            live.events.emit("drawdown_stop", now, {"reason": halted})
            if self.risk.limits.flatten_on_drawdown:
                self._flatten("drawdown stop: flatten")

    @property
    def flat(self) -> bool:
        """No position and no working order."""
        return not self.runner.positions and not self.runner.open_orders()

    # --- internals ---------------------------------------------------------------------------
    def _submitted(self, order_id: str, request: OrderRequest, ts_ns: int) -> None:
        self._status[order_id] = (OrderStatus.NEW, 0.0, request.quantity)
        self.live.events.emit("order_new", ts_ns, _request_payload(request), order_id)

    def _trip(self, reason: str) -> None:
        self.risk.trip(reason)
        self.live.events.emit("kill_switch_tripped", self.runner.now_ns, {"reason": reason})
        self._flatten("kill switch: flatten")

    def _reset(self) -> None:
        equity = self.runner.equity()
        self.risk.reset(equity)
        self.live.events.emit("kill_switch_reset", self.runner.now_ns, {"equity": equity})

    def _flatten(self, tag: str) -> None:
        """Cancel every working order, then close every position with a market order."""
        runner = self.runner
        for order_id in list(runner.open_orders()):
            runner.cancel(order_id)
        self._reducing = True
        try:
            for iid, held in sorted(runner.positions.items()):
                side = OrderSide.SELL if held > 0 else OrderSide.BUY
                runner.submit(
                    OrderRequest(instrument_id=iid, side=side, quantity=abs(held), tag=tag)
                )
        finally:
            self._reducing = False

    def _book(self, new_order_id: str) -> Book:
        runner = self.runner
        working: dict[str, float] = {}
        for o in runner.open_orders().values():
            if o.order_id == new_order_id:
                continue
            r = o.request
            rest = (r.quantity - o.filled_quantity) * r.side.sign
            working[r.instrument_id] = working.get(r.instrument_id, 0.0) + rest
        prices = {}
        for iid in runner.data.instrument_ids:
            close = runner.last_close(iid)
            if close is not None:
                prices[iid] = close
        return Book(positions=runner.positions, working=working, prices=prices)


if TYPE_CHECKING:  # mypy proves the paper broker implements the Broker port
    from finbot.contracts import Broker

    _implements_the_port: type[Broker] = PaperBroker
