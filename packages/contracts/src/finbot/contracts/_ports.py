"""Ports: the interfaces adapters implement. The domain depends on these, never on an adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ._account import AccountState
from ._broker_events import BrokerEvent
from ._config import DatasetRef, RunConfig
from ._market import Bar, MarketData
from ._orders import OrderRequest
from ._result import BacktestResult
from ._strategy import Strategy


class BacktestEngine(Protocol):
    """Runs a contract strategy over market data under a run config."""

    @property
    def name(self) -> str:
        """The engine id used in ``RunConfig.engine`` (e.g. ``backtrader``)."""
        ...

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Run to completion and return the result; raise ``EngineRunError`` on a failed run."""
        ...


class DataSource(Protocol):
    """Resolves a dataset reference into validated market data."""

    def load(self, ref: DatasetRef) -> MarketData:
        """Load and validate; raise ``DataValidationError`` naming file, row and field."""
        ...


class Broker(Protocol):
    """Where a run's orders go and what comes back: a simulated, paper or (later) live broker.

    ``SimulatedBroker`` is the implementation for backtests and paper trading. The run assigns
    order ids; the broker reports what happened to each order as :class:`BrokerEvent`s.
    """

    def submit(
        self, order_id: str, request: OrderRequest, *, oco: str | None = None
    ) -> str | None:
        """Take a new order; returns why it is refused on the spot, or None when it is taken.

        ``oco`` names the one-cancels-other group the order joins (the id of its first order).
        """
        ...

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        """Change a working order's quantity or prices; the new request, or why not."""
        ...

    def cancel(self, order_id: str) -> bool:
        """Ask to cancel a working order; whether it was working."""
        ...

    def poll(self, ts_ns: int, bars: Mapping[str, Bar]) -> list[BrokerEvent]:
        """The order and fill events up to step ``ts_ns`` (whose bars are ``bars``), in order."""
        ...

    def working_orders(self) -> Mapping[str, OrderRequest]:
        """Accepted orders still working, by id."""
        ...

    def account(self) -> AccountState:
        """Cash, equity, exposures and positions now."""
        ...


class RunRegistry(Protocol):
    """Stores immutable run records and their artifacts."""

    def record(self, result: BacktestResult, data: MarketData) -> str:
        """Store a finished run (result plus a pinned data snapshot); returns its run id."""
        ...

    def load_result(self, run_id: str) -> BacktestResult:
        """Read a stored result back, verifying its content hash."""
        ...
