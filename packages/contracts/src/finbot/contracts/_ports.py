"""Ports: the interfaces adapters implement. The domain depends on these, never on an adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ._config import DatasetRef, RunConfig
from ._market import MarketData
from ._orders import OrderRequest, OrderUpdate
from ._result import BacktestResult, PositionRecord
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
    """Where live or paper orders go. Paper trading implements it first."""

    def submit(self, order_id: str, request: OrderRequest) -> None:
        """Send a new order."""
        ...

    def cancel(self, order_id: str) -> None:
        """Ask to cancel a working order."""
        ...

    def orders(self) -> Sequence[OrderUpdate]:
        """Latest known state of every order."""
        ...

    def positions(self) -> Sequence[PositionRecord]:
        """Current positions."""
        ...

    def cash(self) -> float:
        """Current cash."""
        ...


class RunRegistry(Protocol):
    """Stores immutable run records and their artifacts."""

    def record(self, result: BacktestResult, data: MarketData) -> str:
        """Store a finished run (result plus a pinned data snapshot); returns its run id."""
        ...

    def load_result(self, run_id: str) -> BacktestResult:
        """Read a stored result back, verifying its content hash."""
        ...
