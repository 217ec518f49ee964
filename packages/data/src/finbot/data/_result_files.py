"""Result files: ``result.json`` plus one Parquet file per table, read back losslessly.

Each Parquet file carries the result's header (schema version, config, engine, metrics, data
snapshot id) as JSON in its key-value metadata, so a lone file says which run it came from and a
folder mixing two runs is detected on read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from finbot.contracts import BacktestResult, ResultSchemaError, canonical_json, migrate_payload

from ._result_tables import TABLES, payload_from_tables, result_header, tables_from_payload

RESULT_JSON = "result.json"
HEADER_KEY = b"finbot.result.header"
TABLE_KEY = b"finbot.result.table"


def write_result(result: BacktestResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``result.json`` and ``{equity_curve,orders,fills,trades,positions}.parquet``.

    Returns:
        Name (``result.json``, ``fills``, ...) -> path of each file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {RESULT_JSON: out / RESULT_JSON}
    written[RESULT_JSON].write_text(result.to_json(), encoding="utf-8")
    payload = result.model_dump(mode="json")  # once, for the header and every table
    header = canonical_json(result_header(payload)).encode()
    for name, table in tables_from_payload(payload).items():
        metadata = {**(table.schema.metadata or {}), HEADER_KEY: header, TABLE_KEY: name.encode()}
        path = out / f"{name}.parquet"
        pq.write_table(table.replace_schema_metadata(metadata), path)
        written[name] = path
    return written


def read_result_parquet(directory: str | Path) -> BacktestResult:
    """Rebuild a ``BacktestResult`` from the Parquet files ``write_result`` wrote.

    Raises:
        ResultSchemaError: A table is missing or unreadable, the files come from different runs,
            or the stored result is of an unknown schema version.
    """
    folder = Path(directory)
    tables: dict[str, pa.Table] = {}
    headers: dict[str, bytes] = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        try:
            table = pq.read_table(path)
        except FileNotFoundError:
            raise ResultSchemaError(f"{path}: result table is missing") from None
        except (pa.ArrowException, OSError) as exc:
            raise ResultSchemaError(f"{path}: cannot read as Parquet: {exc}") from None
        meta = table.schema.metadata or {}
        if HEADER_KEY not in meta:
            raise ResultSchemaError(f"{path}: not a finbot result table (no header metadata)")
        tables[name], headers[name] = table, meta[HEADER_KEY]
    if len(set(headers.values())) != 1:
        raise ResultSchemaError(f"{folder}: the result tables come from different runs")
    header = json.loads(headers["equity_curve"])
    try:
        return BacktestResult.model_validate(migrate_payload(payload_from_tables(header, tables)))
    except (ValidationError, KeyError) as exc:
        raise ResultSchemaError(
            f"{folder}: result tables do not form a valid result: {exc}"
        ) from None
