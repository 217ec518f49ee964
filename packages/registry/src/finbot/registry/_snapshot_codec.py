"""Market data <-> snapshot bytes: canonical JSON that rebuilds an equal ``MarketData``.

Unlike ``MarketData.canonical_bytes`` this keeps the dataset name and the instrument order (the
order a strategy sees instruments in can change its orders), and JSON floats round-trip exactly.
"""

from __future__ import annotations

import json
from typing import Any

from finbot.contracts import (
    BarSeries,
    CashDividend,
    CorporateAction,
    DataValidationError,
    Instrument,
    MarketData,
    Split,
    canonical_json,
)

FORMAT = "finbot-market-snapshot"
VERSION = 1
_COLUMNS = ("ts_ns", "open", "high", "low", "close", "volume")


def encode_snapshot(data: MarketData) -> bytes:
    """The snapshot bytes of ``data``."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "name": data.name,
        "instruments": [
            data.instruments[iid].model_dump(mode="json") for iid in data.instrument_ids
        ],
        "bars": {
            iid: {col: list(getattr(data.bars(iid), col)) for col in _COLUMNS}
            for iid in data.instrument_ids
        },
        "corporate_actions": [a.model_dump(mode="json") for a in data.corporate_actions],
    }
    return canonical_json(payload).encode()


def _action(raw: dict[str, Any]) -> CorporateAction:
    kind = raw.get("kind")
    if kind == "split":
        return Split.model_validate(raw)
    if kind == "cash_dividend":
        return CashDividend.model_validate(raw)
    raise DataValidationError(f"unknown corporate action kind {kind!r}", field="kind")


def decode_snapshot(blob: bytes, *, source: str) -> MarketData:
    """Rebuild market data from snapshot bytes; ``source`` names the snapshot in errors."""
    try:
        payload = json.loads(blob)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataValidationError(f"snapshot is not valid JSON: {exc}", source=source) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataValidationError(f"not a {FORMAT} document", source=source)
    if payload.get("version") != VERSION:
        raise DataValidationError(
            f"snapshot format version {payload.get('version')!r} is not {VERSION}", source=source
        )
    instruments = [Instrument.model_validate(raw) for raw in payload["instruments"]]
    series = [
        BarSeries.from_columns(
            inst.id, *(payload["bars"][inst.id][col] for col in _COLUMNS), source=source
        )
        for inst in instruments
    ]
    actions = [_action(raw) for raw in payload["corporate_actions"]]
    return MarketData(instruments, series, actions, name=payload["name"])
