"""The versioned result of a run: config, equity curve, orders, fills, trades, positions, metrics.

Versioning policy (see docs/adr/0004-result-schema-versioning.md): ``SCHEMA_VERSION`` rises on any
change that alters the stored form; readers accept every older version through ``migrate_payload``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._config import RunConfig, canonical_json
from ._cost_breakdown import CostBreakdown
from ._data_quality import DataQuality
from ._errors import ResultSchemaError
from ._format import METRIC_ROWS, format_value
from ._orders import Fill, OrderUpdate
from ._time import session_date

SCHEMA_VERSION = 8

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
    UTC day's last point and annualized by ``periods_per_year`` (252 for trading days, 365 for
    seven-day markets, 52 weekly, 12 monthly).
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
    """Everything a run produced. Contains no wall-clock data, so equal runs hash equal.

    ``data_quality`` is ``None`` when finbot did not prepare the data (a version-1 result, or an
    engine run directly on ``MarketData``); a run prepared by finbot records its checks there.
    ``costs`` holds each cost kind's total (commission, spread, slippage, impact, borrow, funding).
    """

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
    costs: CostBreakdown
    data_quality: DataQuality | None = None

    @field_validator("schema_version")
    @classmethod
    def _current_version(cls, value: int) -> int:
        # In memory a result is always current; older payloads go through migrate_payload first.
        if value != SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {value} is not the current {SCHEMA_VERSION}; "
                "read stored results with BacktestResult.from_json or migrate_payload"
            )
        return value

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, compact); ``from_json`` reads it back losslessly."""
        # The equity curve's columns are plain int/float tuples, which JSON writes as the arrays
        # model_dump would make; passing them as they are skips converting a value per bar.
        payload = self.model_dump(mode="json", exclude={"equity_curve"})
        curve = self.equity_curve
        payload["equity_curve"] = {name: getattr(curve, name) for name in EquityCurve.model_fields}
        return canonical_json(payload)

    @classmethod
    def from_json(cls, text: str | bytes) -> BacktestResult:
        """Read a result of this or any older schema version.

        Raises:
            ResultSchemaError: the text is not JSON, has no usable ``schema_version``, is newer than
                this package understands, or does not match the schema (the message names the
                offending fields).
        """
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultSchemaError(f"result is not valid JSON: {exc}") from exc
        try:
            return cls.model_validate(migrate_payload(payload))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
            )
            more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
            raise ResultSchemaError(
                f"result does not match schema_version {SCHEMA_VERSION}: {problems}{more}"
            ) from None

    def content_hash(self) -> str:
        """sha256 (hex) of :meth:`to_json`."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def _span(self) -> str:
        ts = self.equity_curve.ts_ns
        if not ts:
            return "no bars"
        return f"{session_date(ts[0])}..{session_date(ts[-1])}, {len(ts)} steps"

    def __repr__(self) -> str:
        """One line: what ran, over which dates, and the headline figures.

        The full record is ``model_dump()`` / ``to_json()``.
        """
        m = self.metrics
        return (
            f"BacktestResult({self.config.strategy.id} on {self.engine.name} "
            f"{self.engine.version}, {self._span()}: total return "
            f"{format_value(m.total_return, 'pct')}, Sharpe {format_value(m.sharpe, 'num')}, "
            f"max drawdown {format_value(m.max_drawdown, 'pct')}, {m.trade_count} trades, "
            f"final equity {format_value(m.final_equity, 'money')} {self.config.currency})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """The notebook view: the run and every metric, in finbot's one number format."""
        c = self.config
        head = [
            ("Strategy", c.strategy.id),
            ("Parameters", ", ".join(f"{k}={v}" for k, v in c.strategy.params.items()) or "-"),
            ("Dataset", c.dataset.name),
            ("Dates", self._span()),
            ("Engine", f"{self.engine.name} {self.engine.version}"),
            ("Fill policy", c.fill_policy.value),
            ("Starting cash", f"{format_value(c.starting_cash, 'money')} {c.currency}"),
        ]
        rows = [
            *head,
            *(
                (label, format_value(getattr(self.metrics, f), kind))
                for f, label, kind in METRIC_ROWS
            ),
            ("Trades", str(self.metrics.trade_count)),
            ("Final equity", f"{format_value(self.metrics.final_equity, 'money')} {c.currency}"),
        ]
        cells = "".join(
            f"<tr><th style=\"text-align:left\">{html.escape(k)}</th>"
            f"<td style=\"text-align:right\">{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table><caption>BacktestResult</caption>{cells}</table>"


Migration = Callable[[dict[str, Any]], dict[str, Any]]



def _v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds the data checks: the config's requests and the result's ``data_quality``.

    A version-1 config asked for nothing, so it gets the defaults (the dataset's calendar, no
    overrides, missing data ``raise``: what rerunning it now does); what the version-1 run
    actually checked is unknown, so ``data_quality`` is ``None``, never a guess.
    """
    out = {**payload, "data_quality": None}
    config = payload.get("config")
    if isinstance(config, dict):
        # A malformed payload is left as is: validation then names the offending field.
        dataset = config.get("dataset")
        if isinstance(dataset, dict):
            dataset = {**dataset, "calendar": None, "allow": []}
        out["config"] = {**config, "dataset": dataset, "missing_data": "raise"}
    return out


def _v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 3 adds commission schedules to the cost model (fixed fee, tiers, caps).

    A version-2 run had none of them, so each gets the value that charges nothing extra: what the
    version-2 run charged is exactly what the version-3 defaults charge.
    """
    out = dict(payload)
    config = payload.get("config")
    if isinstance(config, dict):
        costs = config.get("cost_model")
        if isinstance(costs, dict):
            costs = {
                **costs,
                "commission_fixed": 0.0,
                "commission_tiers": [],
                "commission_maximum": None,
                "commission_maximum_bps": None,
            }
            out["config"] = {**config, "cost_model": costs}
    return out


def _v3_to_v4(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 4 adds the cost breakdown (ADR 0021).

    The cost model gains spread, volume-share and impact fields, each fill its spread and impact
    amounts, the result ``costs``, one total per cost kind.

    A version-3 run had no spread, volume or impact model, so those get the values that charge
    nothing, and each fill paid no spread or impact. The totals are summed from the stored fills
    (commission and slippage are the only kinds a version-3 run could pay; borrow and funding did
    not exist), so the breakdown is what the version-3 run paid, not a guess.
    """
    out = dict(payload)
    config = payload.get("config")
    if isinstance(config, dict):
        costs = config.get("cost_model")
        if isinstance(costs, dict):
            costs = {
                **costs,
                "spread_bps": 0.0,
                "volume_limit": None,
                "volume_impact": 0.0,
                "impact_y": 0.0,
                "impact_window": 20,
            }
            out["config"] = {**config, "cost_model": costs}
    fills = payload.get("fills")
    if isinstance(fills, list) and all(isinstance(f, dict) for f in fills):
        out["fills"] = fills = [{**f, "spread": 0.0, "impact": 0.0} for f in fills]
        # A malformed fill is left for validation, which names the offending field.
        with contextlib.suppress(KeyError, TypeError, ValueError):
            out["costs"] = {
                "commission": math.fsum(float(f["commission"]) for f in fills),
                "spread": 0.0,
                "slippage": math.fsum(float(f["slippage"]) for f in fills),
                "impact": 0.0,
                "borrow": 0.0,
                "funding": 0.0,
            }
    return out


def _v4_to_v5(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 5 adds the config's optional ``native`` execution settings (ADR 0025).

    The key is stored only when set (nautilus-native runs); a version-4 run had none, which is
    its absence, so the payload is unchanged. A version-4 ``nautilus-native`` run used the
    defaults, recorded in its ``engine.details`` only; it is not given settings it did not record.
    """
    return dict(payload)


def _v5_to_v6(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 6 records the price mode (``config.dataset.prices``, ADR 0023).

    A version-5 run did not record it and it cannot be derived: a dataset with an action table
    traded total-return prices, a Yahoo file its ``Close`` without dividends, which is none of the
    modes. So the migrated value is ``None`` (unknown), never a guess.
    """
    out = dict(payload)
    config = payload.get("config")
    if isinstance(config, dict):
        dataset = config.get("dataset")
        if isinstance(dataset, dict):
            out["config"] = {**config, "dataset": {**dataset, "prices": None}}
    return out


def _v6_to_v7(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 7 records order links (``oco_group``, ``parent_id``) and IOC/FOK time in force.

    A version-6 result did not record which orders were linked, so the links are ``None``
    (unknown, never a guess); version 6 had no IOC/FOK orders, so nothing else changes.
    """
    out = dict(payload)
    orders = payload.get("orders")
    if isinstance(orders, list):
        out["orders"] = [
            {**o, "oco_group": None, "parent_id": None} if isinstance(o, dict) else o
            for o in orders
        ]
    return out


# Engines whose runs before version 8 read as cash accounts: the replica refused short sales (a
# Nautilus cash account), native mode takes its account from its own settings. Every other
# engine let a run short any size with no margin check.
_REFUSED_SHORTS = frozenset({"nautilus", "nautilus-native"})


def _v7_to_v8(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 8 adds the account (``config.account``: cash, margin or unchecked; ADR 0022).

    A version-7 run had no financing, and its engine decided about shorts: the Nautilus replica
    refused them (``cash``), the others let any short fill with no margin check (``unchecked``).
    So the migrated config states what the run actually did, and reruns as it ran.
    """
    out = dict(payload)
    config = payload.get("config")
    if isinstance(config, dict):
        kind = "cash" if config.get("engine") in _REFUSED_SHORTS else "unchecked"
        account = {
            "kind": kind,
            "initial_margin": 0.5,
            "borrow_rate": 0.0,
            "funding_rate": 0.0,
            "day_count": 360,
        }
        out["config"] = {**config, "account": account}
    return out


# Each entry upgrades a payload from version N to N+1; released steps are never edited.
MIGRATIONS: dict[int, Migration] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
}


def migrate_payload(
    payload: Any,
    *,
    migrations: Mapping[int, Migration] | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    """Upgrade a decoded result payload, one version at a time, to ``target``.

    Args:
        payload: the decoded JSON object of a stored result.
        migrations: steps by source version; defaults to :data:`MIGRATIONS`.
        target: the version to reach; defaults to :data:`SCHEMA_VERSION`.

    Raises:
        ResultSchemaError: not an object, no integer ``schema_version``, a version newer than
            ``target``, or a version with no migration step.
    """
    steps = MIGRATIONS if migrations is None else migrations
    goal = SCHEMA_VERSION if target is None else target
    if not isinstance(payload, dict):
        raise ResultSchemaError("a result must be a JSON object")
    version = payload.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ResultSchemaError("result has no integer 'schema_version'")
    if version > goal:
        raise ResultSchemaError(
            f"result has schema_version {version}, newer than this finbot-contracts "
            f"understands ({goal}); upgrade finbot-contracts"
        )
    current: dict[str, Any] = dict(payload)
    while version < goal:
        step = steps.get(version)
        if step is None:
            raise ResultSchemaError(f"no migration from result schema_version {version}")
        current = step(current)
        version += 1
        current["schema_version"] = version
    return current
