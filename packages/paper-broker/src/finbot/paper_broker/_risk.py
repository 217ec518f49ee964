"""Risk controls: the pre-trade checks on every order and the running drawdown stop.

Each rejection names its rule and the numbers that broke it. Orders the risk controls place
themselves (to flatten) pass only the rules that reducing a position cannot break.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from finbot.contracts import OrderRequest, OrderSide, OrderType

from ._config import RiskLimits

_NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True, slots=True)
class RiskRejection:
    """Why an order may not go out: ``rule`` is the limit's field name, ``reason`` the message."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Book:
    """What the pre-trade checks look at.

    Positions, the signed remaining quantity of working orders, and the latest close of each
    instrument (absent before its first bar).
    """

    positions: Mapping[str, float]
    working: Mapping[str, float]
    prices: Mapping[str, float]


@dataclass(slots=True)
class RiskState:
    """The risk controls' memory across steps (checkpointed with the session)."""

    peak_equity: float | None = None
    halted: str | None = None  # why new entries are halted (drawdown stop), None when not
    killed: str | None = None  # why the kill switch tripped, None when not
    recent_orders: deque[int] = field(default_factory=deque)  # ts_ns of accepted orders


def _num(value: float) -> str:
    return f"{value:,.2f}"


def reference_price(request: OrderRequest, last_close: float | None) -> float | None:
    """The price an order is valued at before it fills: its limit, else its stop, else the close."""
    if request.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        return request.limit_price
    if request.order_type is OrderType.STOP:
        return request.stop_price
    return last_close


def reduces_only(request: OrderRequest, position: float) -> bool:
    """True when the order moves ``position`` toward zero without crossing it."""
    if request.side is OrderSide.BUY:
        return position < 0 and request.quantity <= -position + 1e-9
    return position > 0 and request.quantity <= position + 1e-9


class RiskControls:
    """Applies one session's :class:`RiskLimits`; keeps its :class:`RiskState`."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits
        self.state = RiskState()

    # --- running checks -------------------------------------------------------------------
    def mark(self, equity: float) -> str | None:
        """Record a step's equity; returns the reason when this mark trips the drawdown stop."""
        state = self.state
        if state.peak_equity is None or equity > state.peak_equity:
            state.peak_equity = equity
        stop = self.limits.drawdown_stop_pct
        if stop is None or state.halted is not None:
            return None
        peak = state.peak_equity
        drawdown = (peak - equity) / peak * 100.0 if peak > 0 else 0.0
        if drawdown + 1e-12 < stop:
            return None
        state.halted = (
            f"drawdown_stop_pct: equity {_num(equity)} is {drawdown:.2f}% below the peak "
            f"{_num(peak)}, at or past the {stop:g}% stop"
        )
        return state.halted

    def trip(self, reason: str) -> None:
        """Trip the kill switch; it stays tripped until :meth:`reset`."""
        if self.state.killed is None:
            self.state.killed = reason

    def reset(self, equity: float) -> None:
        """Clear the kill switch and the drawdown halt; the peak restarts at ``equity``."""
        self.state.killed = None
        self.state.halted = None
        self.state.peak_equity = equity

    # --- pre-trade ------------------------------------------------------------------------
    def check(
        self, request: OrderRequest, book: Book, now_ns: int, *, reducing: bool = False
    ) -> RiskRejection | None:
        """The first rule ``request`` breaks, or None; an accepted order counts toward the rate.

        ``reducing`` marks the risk controls' own flattening orders: they skip the halts and the
        rate limit, which exist to stop new risk, not its removal.
        """
        if not reducing:
            rejection = self._halts(request, book) or self._rate(now_ns)
            if rejection is not None:
                return rejection
        rejection = self._limits(request, book)
        if rejection is None and not reducing:
            self.state.recent_orders.append(now_ns)
        return rejection

    def check_change(self, request: OrderRequest, book: Book) -> RiskRejection | None:
        """The first rule a working order changed to ``request`` breaks, or None.

        The halts and the limits apply as to a new order; the rate limit does not (a change is
        not a new order). ``book`` must leave the order's own working quantity out.
        """
        return self._halts(request, book) or self._limits(request, book)

    def _halts(self, request: OrderRequest, book: Book) -> RiskRejection | None:
        state = self.state
        if state.killed is not None:
            return RiskRejection(
                "kill_switch",
                f"kill_switch: tripped ({state.killed}); no orders until `finbot paper reset`",
            )
        position = book.positions.get(request.instrument_id, 0.0)
        if state.halted is not None and not reduces_only(request, position):
            return RiskRejection(
                "drawdown_stop_pct",
                f"{state.halted}; new entries are halted until `finbot paper reset`",
            )
        return None

    def _rate(self, now_ns: int) -> RiskRejection | None:
        most = self.limits.max_orders_per_window
        if most is None:
            return None
        window = self.limits.rate_window_seconds
        recent = self.state.recent_orders
        oldest = now_ns - int(window * _NS_PER_SECOND)
        while recent and recent[0] <= oldest:
            recent.popleft()
        if len(recent) < most:
            return None
        return RiskRejection(
            "max_orders_per_window",
            f"max_orders_per_window: {len(recent)} orders in the last {window:g} s already, "
            f"the limit is {most}",
        )

    def _limits(self, request: OrderRequest, book: Book) -> RiskRejection | None:
        iid = request.instrument_id
        price = reference_price(request, book.prices.get(iid))
        if price is None:
            return None  # no price yet: the broker refuses orders before the first bar
        limits = self.limits
        qty = request.quantity
        if limits.max_order_notional is not None and qty * price > limits.max_order_notional:
            return RiskRejection(
                "max_order_notional",
                f"max_order_notional: order value {_num(qty * price)} ({qty:g} x {_num(price)}) "
                f"exceeds the limit {_num(limits.max_order_notional)}",
            )
        projected = book.positions.get(iid, 0.0) + book.working.get(iid, 0.0)
        projected += qty * request.side.sign
        rejection = self._position(iid, projected, price)
        return rejection or self._exposure(book, iid, projected, price)

    def _position(self, iid: str, projected: float, price: float) -> RiskRejection | None:
        max_units, max_notional = self.limits.position_limits(iid)
        if max_units is not None and abs(projected) > max_units + 1e-9:
            return RiskRejection(
                "max_position_units",
                f"max_position_units: {iid} would reach {projected:g} units with working orders, "
                f"the limit is {max_units:g}",
            )
        value = abs(projected) * price
        if max_notional is not None and value > max_notional:
            return RiskRejection(
                "max_position_notional",
                f"max_position_notional: {iid} would reach {_num(value)} "
                f"({abs(projected):g} x {_num(price)}), the limit is {_num(max_notional)}",
            )
        return None

    def _exposure(
        self, book: Book, iid: str, projected: float, price: float
    ) -> RiskRejection | None:
        limits = self.limits
        if limits.max_gross_exposure is None and limits.max_net_exposure is None:
            return None
        gross = abs(projected) * price
        net = projected * price
        for other in book.positions.keys() | book.working.keys():
            if other == iid:
                continue
            held = book.positions.get(other, 0.0) + book.working.get(other, 0.0)
            value = held * book.prices.get(other, 0.0)
            gross += abs(value)
            net += value
        if limits.max_gross_exposure is not None and gross > limits.max_gross_exposure:
            return RiskRejection(
                "max_gross_exposure",
                f"max_gross_exposure: gross exposure would reach {_num(gross)}, "
                f"the limit is {_num(limits.max_gross_exposure)}",
            )
        if limits.max_net_exposure is not None and abs(net) > limits.max_net_exposure:
            return RiskRejection(
                "max_net_exposure",
                f"max_net_exposure: net exposure would reach {_num(net)}, "
                f"the limit is {_num(limits.max_net_exposure)}",
            )
        return None
