"""``OrderManager``: a run's orders: deterministic ids, routing, and each order's latest state."""

from __future__ import annotations

import math
from collections.abc import Callable

from ._errors import EngineRunError
from ._orders import OrderRequest, OrderStatus, OrderUpdate

# Quantities closer than this count as equal (fills summing to an order).
_QTY_EPSILON = 1e-9


class OrderManager:
    """Assigns ids (``O-000001``, ...), routes orders while routing is on, and keeps their states.

    Orders placed while routing is off (the replay's final step, ``on_stop``) never reach the
    broker; they are canceled locally.
    """

    __slots__ = ("_next", "_route", "_unrouted", "oco", "open", "orders", "routing")

    def __init__(self, route: Callable[[str, OrderRequest], None]) -> None:
        self._route = route
        self.orders: dict[str, OrderUpdate] = {}
        self.open: dict[str, OrderUpdate] = {}
        self._next = 1
        self.routing = True
        self._unrouted: set[str] = set()
        # one-cancels-other: order id -> the id of its group's first order (routers read it)
        self.oco: dict[str, str] = {}

    def submit(
        self, request: OrderRequest, now_ns: int, *, parent_id: str | None = None
    ) -> str:
        """Record a new order and route it (or hold it back); its id.

        ``parent_id`` links a bracket exit to its entry (recorded on the order).
        """
        order_id = f"O-{self._next:06d}"
        self._next += 1
        self.store(
            OrderUpdate(
                order_id=order_id,
                request=request,
                status=OrderStatus.NEW,
                ts_ns=now_ns,
                submitted_ts_ns=now_ns,
                oco_group=self.oco.get(order_id),
                parent_id=parent_id,
            )
        )
        if self.routing:
            self._route(order_id, request)
        else:
            self._unrouted.add(order_id)
        return order_id

    def submit_oco(
        self, requests: list[OrderRequest], now_ns: int, *, parent_id: str | None = None
    ) -> list[str]:
        """Record and route orders as one one-cancels-other group; their ids, in order."""
        leader = f"O-{self._next:06d}"
        for k in range(len(requests)):
            self.oco[f"O-{self._next + k:06d}"] = leader
        return [self.submit(request, now_ns, parent_id=parent_id) for request in requests]

    def routed(self, order_id: str) -> bool:
        """Whether an order went to the broker."""
        return order_id not in self._unrouted

    def transition(
        self, order_id: str, status: OrderStatus, ts_ns: int, reason: str | None = None
    ) -> OrderUpdate | None:
        """Move an order to ``status``; the new state, or None when it was already final.

        Raises:
            EngineRunError: the order is unknown.
        """
        order = self.orders.get(order_id)
        if order is None:
            raise EngineRunError(f"engine reported {status} for unknown order {order_id}")
        if order.status.is_final:
            return None
        update = OrderUpdate(
            order_id=order_id,
            request=order.request,
            status=status,
            ts_ns=ts_ns,
            submitted_ts_ns=order.submitted_ts_ns,
            filled_quantity=order.filled_quantity,
            avg_fill_price=order.avg_fill_price,
            reason=reason,
            oco_group=order.oco_group,
            parent_id=order.parent_id,
        )
        self.store(update)
        return update

    def amend(self, order_id: str, request: OrderRequest) -> None:
        """Record a working order's changed quantity or prices (its state is otherwise kept)."""
        order = self.orders[order_id]
        self.store(
            OrderUpdate(
                order_id=order_id,
                request=request,
                status=order.status,
                ts_ns=order.ts_ns,
                submitted_ts_ns=order.submitted_ts_ns,
                filled_quantity=order.filled_quantity,
                avg_fill_price=order.avg_fill_price,
                reason=order.reason,
                oco_group=order.oco_group,
                parent_id=order.parent_id,
            )
        )

    def check_fill(self, order_id: str, quantity: float, price: float) -> OrderUpdate:
        """The order a reported fill belongs to, after checking the fill can be.

        Raises:
            EngineRunError: the order is unknown, already final, or would be overfilled, or the
                quantity or price is not a positive finite number.
        """
        order = self.orders.get(order_id)
        if order is None:
            raise EngineRunError(f"engine reported a fill for unknown order {order_id}")
        if order.status.is_final:
            raise EngineRunError(f"engine reported a fill for {order.status} order {order_id}")
        if not (math.isfinite(quantity) and quantity > 0 and math.isfinite(price) and price > 0):
            raise EngineRunError(
                f"engine reported a fill of {quantity} at {price} for order {order_id}; "
                "quantity and price must be positive finite numbers"
            )
        if order.filled_quantity + quantity > order.request.quantity + _QTY_EPSILON:
            raise EngineRunError(
                f"engine filled {order.filled_quantity + quantity} of order {order_id}, "
                f"which is for {order.request.quantity}"
            )
        return order

    def filled(self, order: OrderUpdate, quantity: float, price: float, ts_ns: int) -> OrderUpdate:
        """Record a checked fill of ``order``: partly or fully filled, with the average price."""
        request = order.request
        filled = order.filled_quantity + quantity
        avg = ((order.avg_fill_price or 0.0) * order.filled_quantity + price * quantity) / filled
        done = filled >= request.quantity - _QTY_EPSILON
        update = OrderUpdate(
            order_id=order.order_id,
            request=request,
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            ts_ns=ts_ns,
            submitted_ts_ns=order.submitted_ts_ns,
            filled_quantity=filled,
            avg_fill_price=avg,
            oco_group=order.oco_group,
            parent_id=order.parent_id,
        )
        self.store(update)
        return update

    def store(self, update: OrderUpdate) -> None:
        """Keep an order's latest state."""
        self.orders[update.order_id] = update
        if update.status.is_final:
            self.open.pop(update.order_id, None)
        else:
            self.open[update.order_id] = update
