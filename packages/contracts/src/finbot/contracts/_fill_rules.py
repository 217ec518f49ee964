"""ADR 0003's fill rules on one bar (Backtrader's broker semantics): the one copy of them.

``SimulatedBroker`` applies them to its working orders; prices here are before slippage.
"""

from __future__ import annotations

from typing import NamedTuple

from ._market import Bar
from ._orders import OrderRequest, OrderSide, OrderType


class BarFill(NamedTuple):
    """Where an order fills on a bar: ``price`` (None: not on it) and its new trigger state."""

    price: float | None
    triggered: bool


def limit_fill(buy: bool, limit: float, bar: Bar) -> float | None:
    """A limit order: the open when it is already at or through the limit, else the limit if hit."""
    if buy:
        if limit >= bar.open:
            return bar.open
        return limit if limit >= bar.low else None
    if limit <= bar.open:
        return bar.open
    return limit if limit <= bar.high else None


def stop_fill(buy: bool, stop: float, bar: Bar) -> float | None:
    """A stop order: the open when the bar gaps through the stop, else the stop if traded."""
    if buy:
        if bar.open >= stop:
            return bar.open
        return stop if bar.high >= stop else None
    if bar.open <= stop:
        return bar.open
    return stop if bar.low <= stop else None


def _stop_limit_fill(buy: bool, stop: float, limit: float, bar: Bar) -> BarFill:
    # Backtrader's _try_exec_stoplimit: on a gap the limit rule applies from the open; when the
    # stop trades inside the bar only the cases its bar path can decide fill on that bar.
    o, c = bar.open, bar.close
    if buy:
        if o >= stop:
            return BarFill(limit_fill(True, limit, bar), True)
        if bar.high < stop:
            return BarFill(None, False)
        if limit >= stop:
            return BarFill(stop, True)
        return BarFill(limit if o > c and limit >= c else None, True)
    if o <= stop:
        return BarFill(limit_fill(False, limit, bar), True)
    if bar.low > stop:
        return BarFill(None, False)
    if limit <= stop:
        return BarFill(stop, True)
    return BarFill(limit if o <= c and limit <= c else None, True)


def bar_fill(request: OrderRequest, bar: Bar, triggered: bool) -> BarFill:
    """Where a working order fills on ``bar`` (market orders: at its open)."""
    buy = request.side is OrderSide.BUY
    kind = request.order_type
    if kind is OrderType.MARKET:
        return BarFill(bar.open, triggered)
    if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and triggered):
        assert request.limit_price is not None
        return BarFill(limit_fill(buy, request.limit_price, bar), triggered)
    assert request.stop_price is not None
    if kind is OrderType.STOP:
        return BarFill(stop_fill(buy, request.stop_price, bar), triggered)
    assert request.limit_price is not None
    return _stop_limit_fill(buy, request.stop_price, request.limit_price, bar)


def created_price(request: OrderRequest, last_close: float) -> float:
    """The price Backtrader checks cash against when an order is accepted.

    The limit price of a limit order, the trigger of a stop or stop-limit, else the close of the
    bar the order was placed on.
    """
    if request.order_type is OrderType.LIMIT:
        assert request.limit_price is not None
        return request.limit_price
    if request.stop_price is not None:
        return request.stop_price
    return last_close
