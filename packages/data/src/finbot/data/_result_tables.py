"""``BacktestResult`` <-> Arrow tables, one per collection, with explicit schemas.

Empty tables keep their columns. Instants are ``timestamp[ns, UTC]`` (int64 nanoseconds, exact).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from finbot.contracts import BacktestResult

_TS = pa.timestamp("ns", tz="UTC")
_F64 = pa.float64()
_STR = pa.string()

SCHEMAS: dict[str, pa.Schema] = {
    "equity_curve": pa.schema(
        [("ts", _TS), ("equity", _F64), ("cash", _F64), ("gross_exposure", _F64)]
    ),
    "orders": pa.schema([
        ("order_id", _STR), ("instrument_id", _STR), ("side", _STR), ("quantity", _F64),
        ("order_type", _STR), ("limit_price", _F64), ("stop_price", _F64),
        ("time_in_force", _STR), ("tag", _STR), ("status", _STR), ("ts", _TS),
        ("submitted_ts", _TS), ("filled_quantity", _F64), ("avg_fill_price", _F64),
        ("reason", _STR), ("oco_group", _STR), ("parent_id", _STR),
    ]),
    "fills": pa.schema([
        ("order_id", _STR), ("instrument_id", _STR), ("side", _STR), ("quantity", _F64),
        ("price", _F64), ("commission", _F64), ("slippage", _F64), ("ts", _TS),
        ("spread", _F64), ("impact", _F64),
    ]),
    "trades": pa.schema([
        ("instrument_id", _STR), ("direction", pa.int64()), ("quantity", _F64),
        ("entry_ts", _TS), ("exit_ts", _TS), ("entry_price", _F64), ("exit_price", _F64),
        ("gross_pnl", _F64), ("commission", _F64), ("net_pnl", _F64),
    ]),
    "positions": pa.schema([
        ("instrument_id", _STR), ("quantity", _F64), ("avg_price", _F64), ("last_price", _F64),
        ("market_value", _F64), ("unrealized_pnl", _F64),
    ]),
}
TABLES = tuple(SCHEMAS)
HEADER_FIELDS = (
    "schema_version", "config", "engine", "data_snapshot_id", "metrics", "costs", "data_quality"
)
# Renamed because their type is a timestamp, no longer a bare nanosecond count.
_RENAMED = {"ts_ns": "ts", "submitted_ts_ns": "submitted_ts", "entry_ts_ns": "entry_ts",
            "exit_ts_ns": "exit_ts"}
_BACK = {new: old for old, new in _RENAMED.items()}


def result_tables(result: BacktestResult) -> dict[str, pa.Table]:
    """One Arrow table per collection of the result (no header fields)."""
    return tables_from_payload(result.model_dump(mode="json"))


def tables_from_payload(payload: Mapping[str, Any]) -> dict[str, pa.Table]:
    """``result_tables`` of a result already dumped as ``model_dump(mode="json")``."""
    curve = payload["equity_curve"]
    rows: dict[str, list[dict[str, Any]]] = {
        "orders": [_flatten_order(o) for o in payload["orders"]],
        "fills": payload["fills"],
        "trades": payload["trades"],
        "positions": payload["positions"],
    }
    tables = {"equity_curve": _columns_table("equity_curve", {_RENAMED.get(k, k): v
                                                               for k, v in curve.items()})}
    for name, records in rows.items():
        renamed = [{_RENAMED.get(k, k): v for k, v in r.items()} for r in records]
        tables[name] = pa.Table.from_pylist(renamed, schema=SCHEMAS[name])
    return tables


def result_header(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar parts (config, engine, metrics, ...) of a result's ``model_dump(mode="json")``."""
    return {key: payload[key] for key in HEADER_FIELDS}


def payload_from_tables(
    header: Mapping[str, Any], tables: Mapping[str, pa.Table]
) -> dict[str, Any]:
    """The result payload (as ``model_dump(mode="json")`` shapes it) rebuilt from tables."""
    payload = dict(header)
    curve = tables["equity_curve"]
    payload["equity_curve"] = {
        _BACK.get(name, name): _column(curve, name) for name in curve.column_names
    }
    payload["orders"] = [_nest_order(r) for r in _records(tables["orders"])]
    for name in ("fills", "trades", "positions"):
        payload[name] = _records(tables[name])
    return payload


def _columns_table(name: str, columns: Mapping[str, list[Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_arrays(
        [pa.array(columns[f.name], type=f.type) for f in schema], schema=schema
    )


def _column(table: pa.Table, name: str) -> list[Any]:
    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        # to_pylist on timestamps gives datetimes (microseconds); the int64 cast keeps every ns.
        return column.cast(pa.int64()).to_pylist()  # type: ignore[no-any-return]
    return column.to_pylist()  # type: ignore[no-any-return]


def _records(table: pa.Table) -> list[dict[str, Any]]:
    columns = {_BACK.get(name, name): _column(table, name) for name in table.column_names}
    rows = zip(*columns.values(), strict=True)
    return [dict(zip(columns, values, strict=True)) for values in rows]


_REQUEST_FIELDS = ("instrument_id", "side", "quantity", "order_type", "limit_price", "stop_price",
                   "time_in_force", "tag")


def _flatten_order(order: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in order.items() if k != "request"}
    flat.update(order["request"])
    return flat


def _nest_order(row: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {k: v for k, v in row.items() if k not in _REQUEST_FIELDS}
    nested["request"] = {k: row[k] for k in _REQUEST_FIELDS}
    return nested


