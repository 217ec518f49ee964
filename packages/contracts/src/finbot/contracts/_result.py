"""The versioned result of a run: config, equity curve, orders, fills, trades, positions, metrics.

Versioning policy (see docs/adr/0004-result-schema-versioning.md): ``SCHEMA_VERSION`` rises on any
change that alters the stored form; readers accept every older version through ``migrate_payload``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._config import RunConfig, canonical_json
from ._errors import ResultSchemaError
from ._orders import Fill, OrderUpdate

SCHEMA_VERSION = 1

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class EquityCurve(BaseModel):
    """Account value sampled once per time step, before the strategy acts on that step.

    Columns are parallel tuples: ``equity`` = ``cash`` + market value of positions at the step's
    closes; ``gross_exposure`` = sum of absolute position values.
    """

    model_config = _FROZEN

    ts_ns: tuple[int, ...] = ()
    equity: tuple[float, ...] = ()
    cash: tuple[float, ...] = ()
    gross_exposure: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _same_lengths(self) -> EquityCurve:
        lengths = {len(self.ts_ns), len(self.equity), len(self.cash), len(self.gross_exposure)}
        if len(lengths) != 1:
            raise ValueError(f"equity curve columns differ in length: {sorted(lengths)}")
        return self


class TradeRecord(BaseModel):
    """A closed round trip (FIFO-matched fills); amounts in the account currency."""

    model_config = _FROZEN

    instrument_id: str
    direction: int = Field(description="+1 long, -1 short")
    quantity: float
    entry_ts_ns: int
    exit_ts_ns: int
    entry_price: float
    exit_price: float
    gross_pnl: float
    commission: float
    net_pnl: float


class PositionRecord(BaseModel):
    """An open position at the end of the run, marked at the last close."""

    model_config = _FROZEN

    instrument_id: str
    quantity: float
    avg_price: float
    last_price: float
    market_value: float
    unrealized_pnl: float


class Metrics(BaseModel):
    """Performance figures, all computed by ``compute_metrics``; ``None`` where undefined.

    Fractions, not percent: 0.05 is 5%. Returns are measured on the equity curve sampled at each
    UTC session's last point and annualized with 252 sessions a year.
    """

    model_config = _FROZEN

    starting_equity: float
    final_equity: float
    total_return: float
    cagr: float | None
    annual_volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_duration_days: float
    calmar: float | None
    win_rate: float | None
    profit_factor: float | None
    turnover: float
    exposure: float
    trade_count: int
    order_count: int
    fill_count: int
    total_commission: float


class EngineInfo(BaseModel):
    """Which engine and adapter produced a result."""

    model_config = _FROZEN

    name: str
    version: str
    adapter: str
    adapter_version: str
    details: dict[str, str] = Field(default_factory=dict)


class BacktestResult(BaseModel):
    """Everything a run produced. Contains no wall-clock data, so equal runs hash equal."""

    model_config = _FROZEN

    schema_version: int = SCHEMA_VERSION
    config: RunConfig
    engine: EngineInfo
    data_snapshot_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    equity_curve: EquityCurve
    orders: tuple[OrderUpdate, ...]
    fills: tuple[Fill, ...]
    trades: tuple[TradeRecord, ...]
    positions: tuple[PositionRecord, ...]
    metrics: Metrics

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, compact); ``from_json`` reads it back losslessly."""
        return canonical_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, text: str | bytes) -> BacktestResult:
        """Read a result of this or any older schema version."""
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultSchemaError(f"result is not valid JSON: {exc}") from exc
        return cls.model_validate(migrate_payload(payload))

    def content_hash(self) -> str:
        """sha256 (hex) of :meth:`to_json`."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


Migration = Callable[[dict[str, Any]], dict[str, Any]]

# Each entry upgrades a payload from version N to N+1. Empty while v1 is the only version.
MIGRATIONS: dict[int, Migration] = {}


def migrate_payload(payload: Any) -> dict[str, Any]:
    """Upgrade a decoded result payload, step by step, to ``SCHEMA_VERSION``."""
    if not isinstance(payload, dict):
        raise ResultSchemaError("a result must be a JSON object")
    version = payload.get("schema_version")
    if not isinstance(version, int):
        raise ResultSchemaError("result has no integer 'schema_version'")
    if version > SCHEMA_VERSION:
        raise ResultSchemaError(
            f"result has schema_version {version}, newer than this finbot-contracts "
            f"understands ({SCHEMA_VERSION}); upgrade finbot-contracts"
        )
    upgraded: dict[str, Any] = dict(payload)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ResultSchemaError(f"no migration from result schema_version {version}")
        upgraded = step(upgraded)
        version += 1
        upgraded["schema_version"] = version
    return upgraded
