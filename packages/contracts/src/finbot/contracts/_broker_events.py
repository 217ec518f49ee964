"""Order events a broker reports (accepted, rejected, canceled, expired, filled) and their sink."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ._market import Bar
from ._orders import OrderRequest


class BrokerEventKind(StrEnum):
    """What happened to an order (``UNFILLED``: evaluated on a bar, not filled; informational)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"
    EXPIRED = "expired"
    FILLED = "filled"
    UNFILLED = "unfilled"


@dataclass(frozen=True, slots=True)
class BrokerEvent:
    """One order event, in the order the broker decided it.

    For ``FILLED`` events ``ts_ns`` is the fill's label (the ``ts_ns`` of the bar whose price
    filled it); for the others it is the step that decided it. ``bar`` is the bar a fill or
    non-fill was judged on (None for a ``this_close`` market fill at the order's creation close);
    ``previous_bar`` is True when the instrument had no bar on the step and its previous one was
    used (ADR 0003's Backtrader quirk).
    """

    kind: BrokerEventKind
    order_id: str
    ts_ns: int
    reason: str | None = None
    quantity: float = 0.0
    price: float = 0.0
    request: OrderRequest | None = None
    bar: Bar | None = None
    previous_bar: bool = False


class OrderEventSink(Protocol):
    """Receives broker events; ``StrategyRunner`` is one."""

    def accepted(self, order_id: str, ts_ns: int) -> None: ...

    def rejected(self, order_id: str, ts_ns: int, reason: str) -> None: ...

    def canceled(self, order_id: str, ts_ns: int, reason: str | None = None) -> None: ...

    def expired(self, order_id: str, ts_ns: int) -> None: ...

    def filled(self, order_id: str, quantity: float, price: float, ts_ns: int) -> object: ...


def deliver(events: Sequence[BrokerEvent], sink: OrderEventSink) -> None:
    """Hand ``events`` to ``sink`` in order (``UNFILLED`` events are not order events)."""
    for e in events:
        kind = e.kind
        if kind is BrokerEventKind.FILLED:
            sink.filled(e.order_id, e.quantity, e.price, e.ts_ns)
        elif kind is BrokerEventKind.ACCEPTED:
            sink.accepted(e.order_id, e.ts_ns)
        elif kind is BrokerEventKind.REJECTED:
            sink.rejected(e.order_id, e.ts_ns, e.reason or "")
        elif kind is BrokerEventKind.CANCELED:
            sink.canceled(e.order_id, e.ts_ns, e.reason)
        elif kind is BrokerEventKind.EXPIRED:
            sink.expired(e.order_id, e.ts_ns)
