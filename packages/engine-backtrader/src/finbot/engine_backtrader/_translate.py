"""Contract <-> Backtrader translation: bar series to feeds, instants to bt datetimes, orders.

Feeds are filled straight from ``BarSeries`` columns (no pandas, no CSV): ``preload`` copies each
column into Backtrader's line arrays in one call per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import backtrader as bt

from finbot.contracts import (
    BarSeries,
    DataValidationError,
    OrderRequest,
    OrderType,
    from_ns,
)

_NANOS_PER_DAY = 86_400 * 1_000_000_000
_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal(): Backtrader counts days from 0001-01-01

EXEC_TYPES: dict[OrderType, int] = {
    OrderType.MARKET: bt.Order.Market,
    OrderType.LIMIT: bt.Order.Limit,
    OrderType.STOP: bt.Order.Stop,
    OrderType.STOP_LIMIT: bt.Order.StopLimit,
}


def bt_datetime(ts_ns: int) -> float:
    """Backtrader's float datetime (days since 0001-01-01, UTC) of an instant."""
    if ts_ns % _NANOS_PER_DAY == 0:  # daily bars: exact, and skips datetime arithmetic
        return float(ts_ns // _NANOS_PER_DAY + _EPOCH_ORDINAL)
    return float(bt.date2num(from_ns(ts_ns).astimezone(UTC).replace(tzinfo=None)))


def bt_timeline(timeline: Sequence[int], source: str) -> list[float]:
    """Backtrader datetimes of a run's timeline; refuses instants Backtrader cannot tell apart.

    A float day count resolves ~10 microseconds today, so bars closer than that would merge into
    one Backtrader step and silently misalign the run.
    """
    floats = [bt_datetime(ts) for ts in timeline]
    for i in range(1, len(floats)):
        if floats[i] <= floats[i - 1]:
            raise DataValidationError(
                f"timestamps {from_ns(timeline[i - 1]).isoformat()} and "
                f"{from_ns(timeline[i]).isoformat()} are too close for Backtrader's datetime "
                "resolution (~10 microseconds)",
                source=source,
                field="timestamp",
            )
    return floats


def bar_columns(
    series: BarSeries, to_float: dict[int, float]
) -> tuple[list[float], Sequence[float], Sequence[float], Sequence[float], Sequence[float],
           Sequence[float]]:
    """The columns a :class:`BarSeriesFeed` serves, datetimes already converted."""
    return (
        [to_float[ts] for ts in series.ts_ns],
        series.open,
        series.high,
        series.low,
        series.close,
        series.volume,
    )


class BarSeriesFeed(bt.feeds.DataBase):  # type: ignore[misc]
    """A Backtrader data feed over in-memory columns, passed as ``dataname``.

    ``dataname`` is ``(datetimes, open, high, low, close, volume)``; open interest is 0.
    """

    def start(self) -> None:
        super().start()
        self._next_row = 0

    def preload(self) -> None:
        dts, opens, highs, lows, closes, volumes = self.p.dataname
        lines = self.lines
        for line, column in (
            (lines.datetime, dts),
            (lines.open, opens),
            (lines.high, highs),
            (lines.low, lows),
            (lines.close, closes),
            (lines.volume, volumes),
            (lines.openinterest, [0.0] * len(dts)),
        ):
            line.array.extend(column)
        self._next_row = len(dts)
        self.home()

    def _load(self) -> bool:
        i = self._next_row
        dts, opens, highs, lows, closes, volumes = self.p.dataname
        if i >= len(dts):
            return False
        lines = self.lines
        lines.datetime[0] = dts[i]
        lines.open[0] = opens[i]
        lines.high[0] = highs[i]
        lines.low[0] = lows[i]
        lines.close[0] = closes[i]
        lines.volume[0] = volumes[i]
        lines.openinterest[0] = 0.0
        self._next_row = i + 1
        return True


def order_prices(request: OrderRequest) -> tuple[float | None, float | None]:
    """Backtrader's ``(price, plimit)``: the limit or trigger price, and a stop-limit's limit."""
    if request.order_type is OrderType.LIMIT:
        return request.limit_price, None
    if request.order_type is OrderType.STOP:
        return request.stop_price, None
    if request.order_type is OrderType.STOP_LIMIT:
        return request.stop_price, request.limit_price
    return None, None


def amend_order(order: Any, request: OrderRequest) -> None:
    """Change a Backtrader order, not yet filled, to ``request`` in place (``ctx.modify_order``).

    Backtrader has no modify; the broker reads an order's remaining size from
    ``executed.remsize`` and its prices from ``created.price``/``created.pricelimit`` on every bar,
    so changing those (and the mirrors Backtrader keeps) keeps the order, its acceptance and its
    OCO group, as the simulated broker's modify does. A market order keeps its created price
    (the close it was placed at: Backtrader's cash check and cheat-on-close fill use it).
    """
    size = request.quantity if order.isbuy() else -request.quantity
    order.size = order.created.size = order.executed.remsize = size
    price, plimit = order_prices(request)
    if price is not None:
        order.price = order.created.price = price
        limit = plimit if plimit is not None else price
        order.pricelimit = order.plimit = plimit
        order.created.pricelimit = limit
        order.created.plimit = plimit
