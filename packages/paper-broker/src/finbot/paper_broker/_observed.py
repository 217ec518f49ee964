"""The strategy as a paper session runs it: every order event is seen by the broker first."""

from __future__ import annotations

from collections.abc import Mapping

from finbot.contracts import Bar, Fill, OrderUpdate, Strategy, StrategyContext

from ._broker import PaperBroker


class Observed(Strategy):
    """Wraps the user's strategy, which stays unchanged.

    The broker journals each event and runs its per-step checks (kill switch, drawdown stop)
    before the strategy reacts.
    """

    def __init__(self, inner: Strategy, broker: PaperBroker) -> None:
        # No super().__init__: the inner strategy owns the validated parameters.
        self.inner = inner
        self.params = inner.params
        self.broker = broker

    def on_start(self, ctx: StrategyContext) -> None:
        self.inner.on_start(ctx)

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.broker.before_bar()
        self.inner.on_bar(ctx, bars)

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        self.broker.on_order_update(update)
        self.inner.on_order_update(ctx, update)

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.broker.on_fill(fill)
        self.inner.on_fill(ctx, fill)

    def on_stop(self, ctx: StrategyContext) -> None:
        self.inner.on_stop(ctx)
