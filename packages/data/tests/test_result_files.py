from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from finbot.contracts import (
    SCHEMA_VERSION,
    BacktestResult,
    CostBreakdown,
    CostModel,
    DataQuality,
    DatasetRef,
    EngineInfo,
    EquityCurve,
    Fill,
    Metrics,
    MissingDataPolicy,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PositionRecord,
    ResultSchemaError,
    RunConfig,
    StrategySpec,
    TimeInForce,
    TradeRecord,
)
from finbot.data import read_result_parquet, result_frames, write_result

T0 = 1_609_718_400_123_456_789  # not a whole microsecond: catches any ns -> us truncation


def _result(**changes) -> BacktestResult:
    market = OrderRequest(instrument_id="ALPHA", side=OrderSide.BUY, quantity=10.0)
    limit = OrderRequest(
        instrument_id="BRAVO", side=OrderSide.SELL, quantity=3.5, order_type=OrderType.STOP_LIMIT,
        limit_price=101.25, stop_price=101.3, time_in_force=TimeInForce.DAY, tag="exit",
    )
    fields = dict(
        config=RunConfig(
            strategy=StrategySpec(id="sma_cross", params={"fast": 10, "slow": 30.5}),
            dataset=DatasetRef(name="golden"),
            cost_model=CostModel(commission_bps=1.5),
        ),
        engine=EngineInfo(
            name="backtrader", version="1.9.78.123", adapter="finbot-engine-backtrader",
            adapter_version="0.1.0", details={"coc": "false"},
        ),
        data_snapshot_id="a" * 64,
        equity_curve=EquityCurve(
            ts_ns=(T0, T0 + 86_400 * 10**9 + 1),
            equity=(100_000.0, 100_000.1 + 0.2),  # 0.1 + 0.2 style: exact bits must survive
            cash=(100_000.0, 1.0 / 3.0),
            gross_exposure=(0.0, 99_999.96666666667),
        ),
        orders=(
            OrderUpdate("O-000001", market, OrderStatus.FILLED, T0 + 5, T0 + 1, 10.0, 100.1),
            OrderUpdate("O-000002", limit, OrderStatus.CANCELED, T0 + 7, T0 + 6, 0.0, None,
                        "end of data", oco_group="O-000002", parent_id="O-000001"),
        ),
        fills=(Fill("O-000001", "ALPHA", OrderSide.BUY, 10.0, 100.1, 0.15, 0.0, T0 + 5),),
        costs=CostBreakdown(commission=0.15),
        trades=(
            TradeRecord(instrument_id="ALPHA", direction=1, quantity=10.0, entry_ts_ns=T0 + 5,
                        exit_ts_ns=T0 + 9, entry_price=100.1, exit_price=101.7, gross_pnl=16.0,
                        commission=0.3, net_pnl=15.7),
        ),
        positions=(
            PositionRecord(instrument_id="BRAVO", quantity=-3.5, avg_price=99.0, last_price=98.0,
                           market_value=-343.0, unrealized_pnl=3.5),
        ),
        metrics=Metrics(
            starting_equity=100_000.0, final_equity=100_000.3, total_return=2.9999999999e-06,
            cagr=None, annual_volatility=None, sharpe=None, sortino=None, max_drawdown=0.0,
            max_drawdown_duration_days=0.0, calmar=None, win_rate=1.0, profit_factor=None,
            turnover=0.01001, exposure=0.5, trade_count=1, order_count=2, fill_count=1,
            total_commission=0.15,
        ),
    )
    fields.update(changes)
    return BacktestResult(**fields)


def test_parquet_round_trip_is_lossless(tmp_path):
    result = _result()
    written = write_result(result, tmp_path / "run")
    assert sorted(written) == sorted(
        ["result.json", "equity_curve", "orders", "fills", "trades", "positions"]
    )
    back = read_result_parquet(tmp_path / "run")
    assert back == result
    assert back.to_json() == result.to_json()
    assert back.equity_curve.ts_ns[0] == T0
    assert back.metrics.sharpe is None
    assert back.orders[1].avg_fill_price is None and back.orders[1].request.tag == "exit"
    assert BacktestResult.from_json((tmp_path / "run" / "result.json").read_text()) == result


def test_empty_collections_round_trip(tmp_path):
    result = _result(orders=(), fills=(), trades=(), positions=(), equity_curve=EquityCurve())
    write_result(result, tmp_path)
    assert read_result_parquet(tmp_path) == result


def test_data_quality_round_trips_through_the_header(tmp_path):
    quality = DataQuality(
        calendar="XNYS", missing_data=MissingDataPolicy.DROP, dropped={"AAA": (5, 6)},
        warnings=("a warning",),
    )
    result = _result(data_quality=quality)
    write_result(result, tmp_path)
    assert read_result_parquet(tmp_path) == result


def test_parquet_stores_typed_columns_and_header_metadata(tmp_path):
    write_result(_result(), tmp_path)
    table = pq.read_table(tmp_path / "fills.parquet")
    assert str(table.schema.field("ts").type) == "timestamp[ns, tz=UTC]"
    header = json.loads(table.schema.metadata[b"finbot.result.header"])
    assert header["schema_version"] == SCHEMA_VERSION
    assert header["data_quality"] is None
    assert header["engine"]["name"] == "backtrader"
    assert header["metrics"]["cagr"] is None


def test_mixed_runs_and_missing_tables_are_refused(tmp_path):
    write_result(_result(), tmp_path / "a")
    write_result(_result(data_snapshot_id="b" * 64), tmp_path / "b")
    shutil.copy(tmp_path / "b" / "fills.parquet", tmp_path / "a" / "fills.parquet")
    with pytest.raises(ResultSchemaError, match="different runs"):
        read_result_parquet(tmp_path / "a")
    (tmp_path / "b" / "trades.parquet").unlink()
    with pytest.raises(ResultSchemaError, match="missing"):
        read_result_parquet(tmp_path / "b")


def test_newer_schema_version_is_refused(tmp_path):
    write_result(_result(), tmp_path)
    for path in tmp_path.glob("*.parquet"):
        table = pq.read_table(path)
        meta = dict(table.schema.metadata)
        header = json.loads(meta[b"finbot.result.header"])
        header["schema_version"] = 99
        meta[b"finbot.result.header"] = json.dumps(header).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(ResultSchemaError, match="schema_version 99"):
        read_result_parquet(tmp_path)


def test_result_frames():
    frames = result_frames(_result())
    assert set(frames) == {"equity_curve", "orders", "fills", "trades", "positions"}
    curve = frames["equity_curve"]
    assert isinstance(curve.index, pd.DatetimeIndex)
    assert str(curve.index.tz) == "UTC"
    assert curve.index[0].value == T0
    assert list(curve.columns) == ["equity", "cash", "gross_exposure"]
    assert curve["cash"].iloc[1] == 1.0 / 3.0
    fills = frames["fills"]
    assert fills.loc[0, "ts"] == pd.Timestamp(T0 + 5, tz="UTC")
    assert fills.loc[0, "side"] == "buy"
    orders = frames["orders"]
    assert orders["order_id"].tolist() == ["O-000001", "O-000002"]
    assert pd.isna(orders.loc[0, "limit_price"]) and orders.loc[1, "limit_price"] == 101.25
    assert frames["trades"].loc[0, "net_pnl"] == 15.7
