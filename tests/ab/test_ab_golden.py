"""A/B: every golden strategy through the finbot adapter equals the same logic in native Backtrader.

Same inputs on both paths (the embedded golden dataset, a gappy variant of it, the real ORCL file);
compared: orders (instrument, side, quantity, type, limit/stop price, outcome), fills (order,
instrument, side, quantity, price, session date, commission), the value at every step and the
final equity. Both fill policies; percent, per-share, and per-share with minimum and cent rounding.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ab_native import generic_feed, run_native, write_generic_csv
from sample_data import ORCL

from finbot.contracts import (
    BacktestResult,
    CommissionRounding,
    CostModel,
    DatasetRef,
    FillPolicy,
    Instrument,
    MarketData,
    OrderType,
    RunConfig,
    StrategySpec,
    session_date,
)
from finbot.data import load_dataset, read_csv_bars
from finbot.engine_backtrader import BacktraderEngine
from finbot.strategies import GOLDEN_STRATEGIES

CASH = 100_000.0
COSTS = {
    "percent": CostModel(commission_bps=10.0, rounding=CommissionRounding.NONE),
    "per_share": CostModel(commission_per_share=0.005, rounding=CommissionRounding.NONE),
    "per_share_min_cent": CostModel(
        commission_per_share=0.005, commission_minimum=1.0, rounding=CommissionRounding.CENT
    ),
}
POLICIES = list(FillPolicy)


def gappy(data: MarketData) -> MarketData:
    """The golden data with holes: BRAVO misses the first session of every other month and ECHO
    starts 150 sessions late, so rebalances meet instruments without a bar or without history."""
    series = []
    for iid in data.instrument_ids:
        s = data.bars(iid)
        keep = range(len(s))
        if iid == "BRAVO":
            months_seen: set[tuple[int, int]] = set()
            keep_list = []
            for i, ts in enumerate(s.ts_ns):
                day = session_date(ts)
                month = (day.year, day.month)
                first = month not in months_seen
                months_seen.add(month)
                if not (first and day.month % 2 == 0):
                    keep_list.append(i)
            keep = keep_list
        elif iid == "ECHO":
            keep = range(150, len(s))
        bars = [s[i] for i in keep]
        series.append(type(s).from_bars(iid, bars))
    return MarketData(
        [Instrument(id=iid) for iid in data.instrument_ids], series, name="golden-gappy"
    )


def run_adapter(
    strategy_id: str, data: MarketData, costs: CostModel, policy: FillPolicy
) -> BacktestResult:
    config = RunConfig(
        strategy=StrategySpec(id=strategy_id),
        dataset=DatasetRef(name=data.name),
        starting_cash=CASH,
        cost_model=costs,
        fill_policy=policy,
    )
    return BacktraderEngine().run(config, GOLDEN_STRATEGIES[strategy_id](), data)


def assert_same(result: BacktestResult, native) -> int:
    """Assert the adapter's result equals the native run; returns the number of fills compared."""
    ours = [
        (
            o.request.instrument_id,
            str(o.request.side),
            o.request.quantity,
            str(o.request.order_type),
            o.request.limit_price,
            o.request.stop_price,
        )
        for o in result.orders
    ]
    assert ours == native.orders
    assert [str(o.status) for o in result.orders] == native.outcomes

    index = {o.order_id: i for i, o in enumerate(result.orders)}
    assert len(result.fills) == len(native.fills)
    for fill, theirs in zip(result.fills, native.fills, strict=True):
        mine = (
            index[fill.order_id],
            fill.instrument_id,
            str(fill.side),
            fill.quantity,
            fill.price,
            session_date(fill.ts_ns),
        )
        assert mine == theirs[:6], f"fill differs: finbot {mine}, backtrader {theirs}"
        assert fill.commission == pytest.approx(theirs[6], rel=1e-12, abs=1e-12)

    curve = result.equity_curve.equity
    assert len(curve) == len(native.values)
    for step, (a, b) in enumerate(zip(curve, native.values, strict=True)):
        assert math.isclose(a, b, rel_tol=1e-9), f"equity at step {step}: finbot {a}, bt {b}"
    assert math.isclose(result.metrics.final_equity, native.final_value, rel_tol=1e-9)
    return len(result.fills)


@pytest.fixture(scope="module")
def golden() -> MarketData:
    return load_dataset("golden")


@pytest.fixture(scope="module")
def golden_files(golden: MarketData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_generic_csv(golden, tmp_path_factory.mktemp("golden"))


@pytest.fixture(scope="module")
def gappy_data(golden: MarketData) -> MarketData:
    return gappy(golden)


@pytest.fixture(scope="module")
def gappy_files(gappy_data: MarketData, tmp_path_factory: pytest.TempPathFactory):
    return write_generic_csv(gappy_data, tmp_path_factory.mktemp("gappy"))




@pytest.mark.parametrize("policy", POLICIES, ids=str)
@pytest.mark.parametrize("cost_name", list(COSTS))
@pytest.mark.parametrize("strategy_id", list(GOLDEN_STRATEGIES))
def test_golden_dataset_adapter_equals_native(
    strategy_id: str,
    cost_name: str,
    policy: FillPolicy,
    golden: MarketData,
    golden_files: dict[str, Path],
) -> None:
    costs = COSTS[cost_name]
    if strategy_id == "momentum_rotation":
        data, files = golden, golden_files
    else:
        first = golden.instrument_ids[0]
        data = MarketData([Instrument(id=first)], [golden.bars(first)], name="golden-1")
        files = {first: golden_files[first]}
    result = run_adapter(strategy_id, data, costs, policy)
    native = run_native(
        strategy_id,
        {iid: generic_feed(path) for iid, path in files.items()},
        costs=costs,
        fill_policy=policy,
        starting_cash=CASH,
    )
    compared = assert_same(result, native)
    assert compared >= 10, "too few fills for the comparison to mean much"


@pytest.mark.parametrize("policy", POLICIES, ids=str)
def test_momentum_with_missing_bars_adapter_equals_native(
    policy: FillPolicy, gappy_data: MarketData, gappy_files: dict[str, Path]
) -> None:
    costs = COSTS["per_share_min_cent"]
    result = run_adapter("momentum_rotation", gappy_data, costs, policy)
    native = run_native(
        "momentum_rotation",
        {iid: generic_feed(path) for iid, path in gappy_files.items()},
        costs=costs,
        fill_policy=policy,
        starting_cash=CASH,
    )
    assert assert_same(result, native) >= 10
    traded = {f.instrument_id for f in result.fills}
    assert {"BRAVO", "ECHO"} <= traded, "the gappy instruments must take part"


def test_bollinger_exercises_limits_stops_and_cancels(golden: MarketData) -> None:
    first = golden.instrument_ids[0]
    data = MarketData([Instrument(id=first)], [golden.bars(first)], name="golden-1")
    result = run_adapter("bollinger_reversion", data, COSTS["percent"], FillPolicy.NEXT_OPEN)
    by_id = {o.order_id: o for o in result.orders}
    filled_types = {by_id[f.order_id].request.order_type for f in result.fills}
    assert {OrderType.LIMIT, OrderType.STOP, OrderType.MARKET} <= filled_types
    assert any(
        o.request.order_type is OrderType.LIMIT and str(o.status) == "canceled"
        for o in result.orders
    )


@pytest.mark.skipif(not ORCL.exists(), reason=f"real sample data not present at {ORCL}")
@pytest.mark.parametrize("policy", POLICIES, ids=str)
@pytest.mark.parametrize("cost_name", list(COSTS))
@pytest.mark.parametrize("strategy_id", ["sma_crossover", "bollinger_reversion"])
def test_orcl_adapter_equals_native(strategy_id: str, cost_name: str, policy: FillPolicy) -> None:
    costs = COSTS[cost_name]
    series = read_csv_bars(ORCL)
    data = MarketData([Instrument(id=series.instrument_id)], [series], name="orcl")
    result = run_adapter(strategy_id, data, costs, policy)
    # The native path reads the Yahoo file itself: Date,Open,High,Low,Close,Adj Close,Volume.
    feed = generic_feed(ORCL, volume=6)
    native = run_native(
        strategy_id, {series.instrument_id: feed}, costs=costs, fill_policy=policy,
        starting_cash=CASH,
    )
    assert assert_same(result, native) >= 10


def test_harness_notices_a_difference(golden: MarketData, golden_files: dict[str, Path]) -> None:
    """The comparison is not vacuous: a native run with a different fast period must not match."""
    first = golden.instrument_ids[0]
    data = MarketData([Instrument(id=first)], [golden.bars(first)], name="golden-1")
    result = run_adapter("sma_crossover", data, COSTS["percent"], FillPolicy.NEXT_OPEN)
    native = run_native(
        "sma_crossover",
        {first: generic_feed(golden_files[first])},
        costs=COSTS["percent"],
        fill_policy=FillPolicy.NEXT_OPEN,
        starting_cash=CASH,
        params={"fast": 11},
    )
    with pytest.raises(AssertionError):
        assert_same(result, native)
