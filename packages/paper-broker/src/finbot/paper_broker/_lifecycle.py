"""The order lifecycle as a state machine: which event may move an order from which state.

The states are ``finbot.contracts.OrderStatus`` (one copy, shared with every engine); this module
adds the transitions, so an illegal one (a fill after a cancel, an accept after a fill) raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from finbot.contracts import FinbotError, OrderStatus

# Quantities closer than this count as equal (fills summing to an order), as in the runner.
QTY_EPSILON = 1e-9


class OrderEvent(StrEnum):
    """Something that happens to an order after it was submitted (``NEW``)."""

    ACCEPT = "accept"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"
    CANCEL = "cancel"
    REJECT = "reject"
    EXPIRE = "expire"


class IllegalTransitionError(FinbotError, RuntimeError):
    """An event that the order's current state does not allow (a bug in whoever reported it)."""


_S, _E = OrderStatus, OrderEvent
_WORKING_EXITS = {
    _E.PARTIAL_FILL: _S.PARTIALLY_FILLED,
    _E.FILL: _S.FILLED,
    _E.CANCEL: _S.CANCELED,
    # A reject after acceptance: the fill failed the cash check (ADR 0003), for a partially
    # filled order the remainder did.
    _E.REJECT: _S.REJECTED,
    _E.EXPIRE: _S.EXPIRED,
}
TRANSITIONS: Mapping[tuple[OrderStatus, OrderEvent], OrderStatus] = MappingProxyType(
    {
        # Risk checks and instrument checks reject before acceptance; an order never routed
        # (placed on the final step) is canceled before it is accepted.
        (_S.NEW, _E.ACCEPT): _S.ACCEPTED,
        (_S.NEW, _E.REJECT): _S.REJECTED,
        (_S.NEW, _E.CANCEL): _S.CANCELED,
        **{(_S.ACCEPTED, event): status for event, status in _WORKING_EXITS.items()},
        **{(_S.PARTIALLY_FILLED, event): status for event, status in _WORKING_EXITS.items()},
    }
)
"""Every legal (state, event) pair and the state it leads to; any other pair is illegal."""


def next_status(status: OrderStatus, event: OrderEvent) -> OrderStatus:
    """The state ``event`` moves an order in ``status`` to.

    Raises:
        IllegalTransitionError: the pair is not in :data:`TRANSITIONS`.
    """
    new = TRANSITIONS.get((status, event))
    if new is None:
        raise IllegalTransitionError(f"an order that is {status} cannot {event}")
    return new


def fill_event(filled: float, quantity: float, ordered: float) -> OrderEvent:
    """``FILL`` when ``quantity`` more completes an order of ``ordered``, else ``PARTIAL_FILL``.

    Raises:
        IllegalTransitionError: the fill is not a positive finite quantity, or overfills.
    """
    if not (math.isfinite(quantity) and quantity > 0):
        raise IllegalTransitionError(f"a fill of {quantity} units; fills must be positive")
    total = filled + quantity
    if total > ordered + QTY_EPSILON:
        raise IllegalTransitionError(
            f"a fill of {quantity} brings {total} of an order for {ordered}"
        )
    return OrderEvent.FILL if total >= ordered - QTY_EPSILON else OrderEvent.PARTIAL_FILL
