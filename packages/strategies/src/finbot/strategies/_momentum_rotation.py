"""Golden strategy 3: monthly momentum rotation across many instruments."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from finbot.contracts import Bar, ConfigError, Strategy, StrategyContext, StrategyParams, from_ns


class MomentumRotationParams(StrategyParams):
    """Parameters of :class:`MomentumRotation`."""

    instruments: tuple[str, ...] | None = Field(default=None, description="universe; None = all")
    lookback: int = Field(default=63, ge=1, description="momentum window, bars")
    top_k: int = Field(default=2, ge=1, description="how many instruments to hold")
    total_fraction: float = Field(default=0.95, gt=0, le=1, description="equity invested in total")


class MomentumRotation(Strategy):
    """Monthly rotation into the ``top_k`` instruments with the best trailing return.

    At the first step of each calendar month, hold the ``top_k`` instruments with the best
    trailing ``lookback``-bar return, equally weighted (``total_fraction / top_k`` each, whole
    shares), selling first and buying after.

    An instrument is eligible once it has ``lookback + 1`` bars; one with no bar at the rebalance
    step is ranked and priced on its latest bar. Ties keep the universe's order.
    """

    strategy_id: ClassVar[str] = "momentum_rotation"
    Params: ClassVar[type[StrategyParams]] = MomentumRotationParams

    def warmup_bars(self) -> int:
        p = self.params
        assert isinstance(p, MomentumRotationParams)
        return p.lookback + 1

    def on_start(self, ctx: StrategyContext) -> None:
        p = self.params
        assert isinstance(p, MomentumRotationParams)
        available = tuple(ctx.instrument_ids)
        universe = p.instruments if p.instruments is not None else available
        unknown = [iid for iid in universe if iid not in available]
        if unknown or not universe:
            raise ConfigError(
                f"strategy {self.strategy_id}: parameter 'instruments' names "
                f"{', '.join(unknown) or 'nothing'} not in the data "
                f"(instruments: {', '.join(available)})"
            )
        self._universe = universe
        self._window = p.lookback + 1
        self._top_k = p.top_k
        self._weight = p.total_fraction / p.top_k
        self._month: tuple[int, int] | None = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        now = from_ns(ctx.time_ns)
        month = (now.year, now.month)
        if month == self._month:
            return
        self._month = month
        self._rebalance(ctx)

    def _rebalance(self, ctx: StrategyContext) -> None:
        window = self._window
        scored: list[tuple[float, int, str, float]] = []
        for rank, iid in enumerate(self._universe):
            closes = ctx.history(iid, "close", window)
            if len(closes) == window:
                scored.append((-(closes[-1] / closes[0] - 1.0), rank, iid, closes[-1]))
        if not scored:
            return
        scored.sort()
        chosen = {iid: price for _, _, iid, price in scored[: self._top_k]}
        equity = ctx.equity
        targets: dict[str, float] = {}
        for iid in self._universe:
            price = chosen.get(iid)
            if price is None:
                targets[iid] = 0.0
            else:
                targets[iid] = float(math.floor(equity * self._weight / price))
        for iid, target in targets.items():  # sells first, so their cash funds the buys
            if target < ctx.position(iid):
                ctx.order_target_quantity(iid, target)
        for iid, target in targets.items():
            if target > ctx.position(iid):
                ctx.order_target_quantity(iid, target)
