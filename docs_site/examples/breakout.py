"""A channel breakout: the example strategy of the "Writing a strategy" page of the docs site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from finbot.contracts import Bar, Fill, Strategy, StrategyContext, StrategyParams


class BreakoutParams(StrategyParams):
    """Declared parameters: validated, frozen, and unknown names are refused."""

    instrument: str | None = Field(default=None, description="traded id; None = the data's first")
    lookback: int = Field(default=20, ge=2, description="channel length, bars")
    fraction: float = Field(default=0.5, gt=0, le=1, description="equity held when long")
    stop_loss: float = Field(default=0.05, gt=0, lt=1, description="stop distance below entry")


class Breakout(Strategy):
    """Buy when the close breaks above the highest high of the previous ``lookback`` bars.

    A stop sell protects each entry at ``stop_loss`` below its fill price; a close below the
    lowest low of the channel exits at market instead.
    """

    strategy_id: ClassVar[str] = "breakout"
    Params: ClassVar[type[StrategyParams]] = BreakoutParams

    def on_start(self, ctx: StrategyContext) -> None:
        """Resolve the traded instrument once the run's instruments are known."""
        p = self.params
        assert isinstance(p, BreakoutParams)
        self.iid = p.instrument or ctx.instrument_ids[0]
        self.stop_id: str | None = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        """Enter on a break above the channel; exit on a break below it."""
        p = self.params
        assert isinstance(p, BreakoutParams)
        bar = bars.get(self.iid)
        if bar is None or ctx.bar_count(self.iid) <= p.lookback:
            return
        # The channel is the lookback bars before this one: history ends with the current bar.
        highs = ctx.history(self.iid, "high", p.lookback + 1)[:-1]
        lows = ctx.history(self.iid, "low", p.lookback + 1)[:-1]
        held = ctx.position(self.iid)
        if held == 0 and not ctx.open_orders(self.iid) and bar.close > max(highs):
            ctx.order_target_percent(self.iid, p.fraction)
        elif held > 0 and bar.close < min(lows):
            if self.stop_id is not None:
                ctx.cancel_order(self.stop_id)
                self.stop_id = None
            ctx.close_position(self.iid)

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        """Place the protective stop once an entry has filled."""
        p = self.params
        assert isinstance(p, BreakoutParams)
        if fill.order_id == self.stop_id:
            self.stop_id = None
        elif ctx.position(self.iid) > 0 and self.stop_id is None:
            stop = round(fill.price * (1 - p.stop_loss), 2)
            self.stop_id = ctx.sell(self.iid, ctx.position(self.iid), stop_price=stop)
