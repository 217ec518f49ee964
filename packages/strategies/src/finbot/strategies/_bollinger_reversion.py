"""Golden strategy 2: Bollinger-band mean reversion with limit entries and stop-loss exits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from finbot.contracts import (
    Bar,
    Fill,
    OrderSide,
    OrderUpdate,
    Strategy,
    StrategyContext,
    StrategyParams,
)

from ._indicators import bollinger, round_price
from ._params import resolve_instrument


class BollingerReversionParams(StrategyParams):
    """Parameters of :class:`BollingerReversion`."""

    instrument: str | None = Field(default=None, description="traded id; None = first in data")
    period: int = Field(default=20, ge=2, description="band window, bars")
    num_std: float = Field(default=2.0, gt=0, description="band width in standard deviations")
    entry_offset: float = Field(
        default=0.01, ge=0, lt=1, description="limit price = close * (1 - entry_offset)"
    )
    entry_fraction: float = Field(default=0.95, gt=0, le=1, description="equity per entry")
    entry_timeout: int = Field(default=5, ge=1, description="bars an unfilled entry may wait")
    stop_loss: float = Field(default=0.05, gt=0, lt=1, description="stop = entry * (1 - stop_loss)")
    price_decimals: int = Field(default=2, ge=0, le=8, description="tick: decimals of prices")


class BollingerReversion(Strategy):
    """Buy dips below the lower band with a limit order; protect with a stop; exit at the mean.

    Flat and close < lower band: a GTC limit buy at ``close * (1 - entry_offset)`` for
    ``entry_fraction`` of equity in whole shares; the strategy cancels it after ``entry_timeout``
    bars unfilled. Once long: a stop sell at ``entry price * (1 - stop_loss)``; when close > middle
    band, cancel the stop and sell at market.
    """

    strategy_id: ClassVar[str] = "bollinger_reversion"
    Params: ClassVar[type[StrategyParams]] = BollingerReversionParams

    def warmup_bars(self) -> int:
        p = self.params
        assert isinstance(p, BollingerReversionParams)
        return p.period

    def on_start(self, ctx: StrategyContext) -> None:
        p = self.params
        assert isinstance(p, BollingerReversionParams)
        self._p = p
        self._iid = resolve_instrument(self.strategy_id, p.instrument, ctx.instrument_ids)
        self._entry_id: str | None = None
        self._entry_age = 0
        self._entry_price: float | None = None
        self._stop_id: str | None = None
        self._exit_id: str | None = None

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        if fill.order_id == self._entry_id and fill.side is OrderSide.BUY:
            self._entry_price = fill.price

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        if not update.status.is_final:
            return
        if update.order_id == self._entry_id:
            self._entry_id = None
        elif update.order_id == self._stop_id:
            self._stop_id = None
        elif update.order_id == self._exit_id:
            self._exit_id = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        iid = self._iid
        bar = bars.get(iid)
        if bar is None:
            return
        p = self._p
        closes = ctx.history(iid, "close", p.period)
        if len(closes) < p.period:
            return
        lower, middle, _ = bollinger(closes, p.num_std)
        close = bar.close
        held = ctx.position(iid)

        if self._entry_id is not None:
            self._entry_age += 1
            if self._entry_age >= p.entry_timeout:
                ctx.cancel_order(self._entry_id)
            return
        if held > 0:
            if self._exit_id is not None:
                return
            if close > middle:
                if self._stop_id is not None:
                    ctx.cancel_order(self._stop_id)
                self._exit_id = ctx.close_position(iid)
            elif self._stop_id is None and self._entry_price is not None:
                stop = round_price(self._entry_price * (1 - p.stop_loss), p.price_decimals)
                self._stop_id = ctx.sell(iid, held, stop_price=stop, tag="stop-loss")
            return
        if close < lower and self._stop_id is None and self._exit_id is None:
            limit = round_price(close * (1 - p.entry_offset), p.price_decimals)
            quantity = math.floor(ctx.equity * p.entry_fraction / limit)
            if quantity >= 1:
                self._entry_id = ctx.buy(iid, quantity, limit_price=limit, tag="entry")
                self._entry_age = 0
