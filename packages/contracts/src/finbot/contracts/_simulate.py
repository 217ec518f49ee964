"""``Simulation``: a whole backtest on the ``SimulatedBroker`` alone, no engine library involved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._broker_events import deliver
from ._broker_router import BrokerRouter
from ._clock import Clock
from ._config import RunConfig
from ._errors import DataValidationError
from ._market import Bar, Instrument, MarketData
from ._result import BacktestResult, EngineInfo
from ._runner import StrategyRunner
from ._sim_broker import FillCap, SimulatedBroker
from ._strategy import Strategy


class Simulation(BrokerRouter):
    """One run: a ``StrategyRunner`` whose orders the ``SimulatedBroker`` executes.

    It is the runner's ``OrderRouter`` (a ``BrokerRouter``): orders go to the broker, and a
    refusal on the spot is reported at once. ``fill_cap`` is the broker's; the account is
    ``config.account``. With ``data`` it replays it (:meth:`run`); without, it is a stream of the
    ``instruments``: :meth:`start`, then :meth:`push` each step's bars as they arrive, then
    :meth:`finish`.

    Raises:
        DataValidationError: the data has no bars.
    """

    def __init__(
        self,
        strategy: Strategy,
        config: RunConfig,
        data: MarketData | None = None,
        *,
        instruments: Sequence[Instrument] = (),
        snapshot_id: str | None = None,
        fill_cap: FillCap | None = None,
    ) -> None:
        if data is None:
            # A stream: bars arrive through push(); the end is not known in advance.
            runner = StrategyRunner.streaming(
                strategy, config, instruments, self, snapshot_id=snapshot_id
            )
        else:
            runner = StrategyRunner(strategy, config, data, self)
            if not runner.timeline:
                raise DataValidationError("the data has no bars to run on", source=data.name)
        broker = SimulatedBroker(
            runner.context,
            fill_policy=config.fill_policy,
            cost_model=config.cost_model,
            commission=runner.commission,
            account=config.account,
            fill_cap=fill_cap,
            fill_costs=runner.fill_costs,
        )
        self.bind(runner, broker)
        self.broker: SimulatedBroker = broker

    def run(self, engine: EngineInfo, clock: Clock | None = None) -> BacktestResult:
        """Replay the data: each step the broker works earlier orders, then the strategy sees it.

        A ``clock`` (e.g. ``WallClock(speed=60)``) paces the steps; by default none waits.
        """
        runner, broker = self.runner, self.broker
        runner.start()
        step = runner.step
        # The broker's three queues, read directly: this loop runs once per bar.
        new, working, pending = broker._new, broker._working, broker._pending
        for ts in runner.timeline:
            if clock is not None:
                clock.wait_until(ts)
            # Most steps have no order working: the broker is not asked at all.
            if new or working or pending:
                events = broker.poll(ts, runner.peek(ts))
                if events:
                    deliver(events, runner)
            step(ts)
        return self.finish(engine)

    def start(self) -> None:
        """Begin a streamed run (``on_start``)."""
        self.runner.start()

    def push(self, ts_ns: int, bars: Mapping[str, Bar]) -> None:
        """One streamed step: the broker works orders on ``bars``, then the strategy sees them."""
        broker, runner = self.broker, self.runner
        if broker.busy:
            events = broker.poll(ts_ns, bars)
            if events:
                deliver(events, runner)
        runner.push(ts_ns, bars)

    def finish(self, engine: EngineInfo) -> BacktestResult:
        """End the run: report what is still pending, cancel working orders, build the result."""
        runner = self.runner
        deliver(self.broker.drain(), runner)
        runner.stop()
        return runner.result(engine)


def simulate(
    strategy: Strategy,
    config: RunConfig,
    data: MarketData,
    engine: EngineInfo,
    *,
    fill_cap: FillCap | None = None,
) -> BacktestResult:
    """Run ``strategy`` over ``data`` with the simulated broker filling every order.

    Raises:
        DataValidationError: the data has no bars.
    """
    simulation = Simulation(strategy, config, data, fill_cap=fill_cap)
    return simulation.run(engine)
