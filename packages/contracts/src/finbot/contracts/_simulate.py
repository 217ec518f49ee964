"""``Simulation``: a whole backtest on the ``SimulatedBroker`` alone, no engine library involved."""

from __future__ import annotations

from ._broker_events import deliver
from ._config import RunConfig
from ._errors import DataValidationError
from ._market import MarketData
from ._orders import OrderRequest
from ._result import BacktestResult, EngineInfo
from ._runner import StrategyRunner
from ._sim_broker import FillCap, MarginCheck, SimulatedBroker, cash_account
from ._strategy import Strategy


class Simulation:
    """One run: a ``StrategyRunner`` whose orders the ``SimulatedBroker`` executes.

    It is the runner's ``OrderRouter``: orders go to the broker, and a refusal on the spot is
    reported at once. ``margin``, ``fill_cap`` and ``short_sales`` are the broker's.

    Raises:
        DataValidationError: the data has no bars.
    """

    def __init__(
        self,
        strategy: Strategy,
        config: RunConfig,
        data: MarketData,
        *,
        margin: MarginCheck = cash_account,
        fill_cap: FillCap | None = None,
        short_sales: str | None = None,
    ) -> None:
        self.runner = runner = StrategyRunner(strategy, config, data, self)
        if not runner.timeline:
            raise DataValidationError("the data has no bars to run on", source=data.name)
        self.broker = SimulatedBroker(
            runner.context,
            fill_policy=config.fill_policy,
            cost_model=config.cost_model,
            commission=runner.commission,
            margin=margin,
            fill_cap=fill_cap,
            short_sales=short_sales,
        )

    def submit(self, order_id: str, request: OrderRequest) -> None:
        """Route a new order to the broker."""
        why = self.broker.submit(order_id, request)
        if why is not None:
            runner = self.runner
            runner.rejected(order_id, runner.now_ns, why)

    def cancel(self, order_id: str) -> None:
        """Ask the broker to cancel a working order."""
        self.broker.cancel(order_id)

    def run(self, engine: EngineInfo) -> BacktestResult:
        """Every step: the broker works the orders placed before it, then the strategy sees it."""
        runner, broker = self.runner, self.broker
        runner.start()
        step = runner.step
        for ts in runner.timeline:
            # Most steps have no order working: the broker is not asked at all.
            if broker.busy:
                events = broker.poll(ts, runner.peek(ts))
                if events:
                    deliver(events, runner)
            step(ts)
        deliver(broker.drain(), runner)
        runner.stop()
        return runner.result(engine)


def simulate(
    strategy: Strategy,
    config: RunConfig,
    data: MarketData,
    engine: EngineInfo,
    *,
    margin: MarginCheck = cash_account,
    fill_cap: FillCap | None = None,
    short_sales: str | None = None,
) -> BacktestResult:
    """Run ``strategy`` over ``data`` with the simulated broker filling every order.

    Raises:
        DataValidationError: the data has no bars.
    """
    simulation = Simulation(
        strategy, config, data, margin=margin, fill_cap=fill_cap, short_sales=short_sales
    )
    return simulation.run(engine)
