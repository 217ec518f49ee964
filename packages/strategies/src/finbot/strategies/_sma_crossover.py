"""Golden strategy 1: long-only fast/slow SMA crossover on one instrument."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, model_validator

from finbot.contracts import Bar, Strategy, StrategyContext, StrategyParams

from ._indicators import sma
from ._params import resolve_instrument


class SmaCrossoverParams(StrategyParams):
    """Parameters of :class:`SmaCrossover`."""

    instrument: str | None = Field(default=None, description="traded id; None = first in data")
    fast: int = Field(default=10, ge=1, description="fast SMA period, bars")
    slow: int = Field(default=30, ge=2, description="slow SMA period, bars")
    target_fraction: float = Field(default=0.95, gt=0, le=1, description="equity held when long")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossoverParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class SmaCrossover(Strategy):
    """Long-only SMA crossover on one instrument.

    Go long ``target_fraction`` of equity when the fast SMA of close crosses above the slow one;
    close the position when it crosses below.

    A cross is judged against the last non-zero fast-slow difference (Backtrader's ``CrossOver``),
    so touching without crossing is no signal.
    """

    strategy_id: ClassVar[str] = "sma_crossover"
    Params: ClassVar[type[StrategyParams]] = SmaCrossoverParams

    def warmup_bars(self) -> int:
        p = self.params
        assert isinstance(p, SmaCrossoverParams)
        return p.slow

    def on_start(self, ctx: StrategyContext) -> None:
        p = self.params
        assert isinstance(p, SmaCrossoverParams)
        self._iid = resolve_instrument(self.strategy_id, p.instrument, ctx.instrument_ids)
        self._fast = p.fast
        self._slow = p.slow
        self._fraction = p.target_fraction
        self._last_diff: float | None = None  # last non-zero fast - slow

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        iid = self._iid
        if iid not in bars:
            return
        closes = ctx.history(iid, "close", self._slow)
        if len(closes) < self._slow:
            return
        fast = sma(closes[self._slow - self._fast :])
        slow = sma(closes)
        diff = fast - slow
        previous = self._last_diff
        if diff or previous is None:
            self._last_diff = diff
        if previous is None:
            return
        if previous < 0 and fast > slow:
            ctx.order_target_percent(iid, self._fraction)
        elif previous > 0 and fast < slow and ctx.position(iid) > 0:
            ctx.close_position(iid)
