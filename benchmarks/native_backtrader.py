"""Golden strategy 1 (SMA crossover) written natively for Backtrader: the baseline of the benchmark.

Plain Backtrader only (no finbot adapter): Backtrader's own ``SMA``/``CrossOver`` indicators,
``order_target_percent`` and ``close``, its own broker, and a commission scheme that charges what
finbot's default cost model charges (percent of notional, rounded half up to the cent). The feed is
built from the same in-memory columns the adapter reads, so both paths start from the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import backtrader as bt

_CENT = Decimal("0.01")
_BPS = Decimal(10_000)


class CentPercentCommission(bt.CommInfoBase):  # type: ignore[misc]
    """Percent-of-notional commission, computed in decimal and rounded half up to the cent."""

    params = (
        ("stocklike", True),
        ("commtype", bt.CommInfoBase.COMM_FIXED),
        ("bps", 0.0),
    )

    def _getcommission(self, size: float, price: float, pseudoexec: Any) -> float:
        raw = Decimal(repr(abs(size))) * Decimal(repr(price)) * Decimal(repr(self.p.bps)) / _BPS
        if raw == 0:
            return 0.0
        return float(raw.quantize(_CENT, rounding=ROUND_HALF_UP))


class ColumnFeed(bt.feeds.DataBase):  # type: ignore[misc]
    """A feed over in-memory columns ``(bt datetimes, open, high, low, close, volume)``.

    ``preload`` copies each column into Backtrader's line arrays in one ``extend``.
    """

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
        self.home()

    def _load(self) -> bool:  # only reached without preload, which this benchmark never uses
        return False


class SmaCrossoverBT(bt.Strategy):  # type: ignore[misc]
    """Long ``target_fraction`` of value on the fast SMA's cross above the slow; flat below."""

    params = (("fast", 10), ("slow", 30), ("target_fraction", 0.95))

    def __init__(self) -> None:
        fast = bt.indicators.SMA(self.data.close, period=self.p.fast)
        slow = bt.indicators.SMA(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)
        self.fills = 0

    def notify_order(self, order: Any) -> None:
        if order.status in (order.Partial, order.Completed):
            self.fills += sum(1 for _ in order.executed.iterpending())

    def next(self) -> None:
        if self.cross[0] > 0:
            self.order_target_percent(target=self.p.target_fraction)
        elif self.cross[0] < 0 and self.position.size > 0:
            self.close()


@dataclass(frozen=True)
class NativeOutcome:
    """What a native run did: enough to check it against the adapter."""

    fills: int
    final_equity: float


def bt_datetimes(ts_ns: tuple[int, ...]) -> list[float]:
    """Backtrader's float datetimes of UTC nanosecond instants."""
    return [bt.date2num(datetime.fromtimestamp(ts / 1e9, UTC).replace(tzinfo=None)) for ts in ts_ns]


def run(
    ts_ns: tuple[int, ...],
    columns: tuple[tuple[float, ...], ...],
    *,
    cash: float,
    commission_bps: float,
    this_close: bool,
    fast: int,
    slow: int,
    target_fraction: float,
) -> NativeOutcome:
    """Build cerebro over the columns ``(open, high, low, close, volume)`` and run it once."""
    opens, highs, lows, closes, volumes = columns
    cerebro = bt.Cerebro(stdstats=False, preload=True, runonce=True, maxcpus=1)
    cerebro.adddata(ColumnFeed(dataname=(bt_datetimes(ts_ns), opens, highs, lows, closes, volumes)))
    cerebro.broker.setcash(cash)
    cerebro.broker.addcommissioninfo(CentPercentCommission(bps=commission_bps))
    if this_close:
        cerebro.broker.set_coc(True)
    cerebro.addstrategy(SmaCrossoverBT, fast=fast, slow=slow, target_fraction=target_fraction)
    strat = cerebro.run()[0]
    return NativeOutcome(fills=strat.fills, final_equity=float(cerebro.broker.getvalue()))
