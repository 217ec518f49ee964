"""``BrokerRouter``: a runner's orders sent to any ``Broker`` (simulated, paper, later live)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._orders import OrderRequest

if TYPE_CHECKING:
    from ._ports import Broker
    from ._runner import StrategyRunner


class BrokerRouter:
    """The runner's ``OrderRouter`` in front of a ``Broker`` port.

    A refusal on the spot is reported to the runner at once; the OCO group the runner recorded
    goes with the order. Build it first, then the runner (which needs its router), then the
    broker, and :meth:`bind` the two.
    """

    __slots__ = ("broker", "runner")

    def __init__(self) -> None:
        self.runner: StrategyRunner
        self.broker: Broker

    def bind(self, runner: StrategyRunner, broker: Broker) -> None:
        """Attach the runner whose orders this routes and the broker they go to."""
        self.runner = runner
        self.broker = broker

    def submit(self, order_id: str, request: OrderRequest) -> None:
        """Hand a new order to the broker; report its refusal, if any, now."""
        runner = self.runner
        why = self.broker.submit(order_id, request, oco=runner.orders.oco.get(order_id))
        if why is not None:
            runner.rejected(order_id, runner.now_ns, why)

    def cancel(self, order_id: str) -> None:
        """Ask the broker to cancel a working order."""
        self.broker.cancel(order_id)

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        """Have the broker change a working order; the new request, or why not."""
        return self.broker.modify(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
