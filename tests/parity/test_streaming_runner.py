"""A streamed run (bars pushed one step at a time, end unknown) equals the replay and Backtrader.

The stream is the paper broker's path: ``Simulation`` without data, fed by ``push``. It routes the
orders of the step that turns out to be last (it cannot know), and ``finish`` cancels them as
``end of data``, which is what the replay records for the orders it never routes.
"""

from __future__ import annotations

import pytest

from finbot.contracts import (
    CostModel,
    DatasetRef,
    EngineInfo,
    FillPolicy,
    MarketData,
    RunConfig,
    StrategySpec,
)
from finbot.contracts.engine import Simulation
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.parity import EXACT, compare_results
from finbot.strategies import GOLDEN_STRATEGIES

ENGINE = EngineInfo(name="sim", version="1", adapter="stream", adapter_version="1")


@pytest.fixture(scope="module")
def golden() -> MarketData:
    return load_dataset("golden")


@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("strategy_id", list(GOLDEN_STRATEGIES))
def test_a_streamed_run_equals_the_replay_and_backtrader(golden, strategy_id, policy):
    config = RunConfig(
        strategy=StrategySpec(id=strategy_id),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_minimum=1.0),
    )
    cls = GOLDEN_STRATEGIES[strategy_id]
    replay = Simulation(cls(), config, golden).run(ENGINE)

    stream = Simulation(cls(), config, instruments=list(golden.instruments.values()))
    stream.start()
    steps = sorted({ts for series in golden for ts in series.ts_ns})
    rows = {series.instrument_id: dict(zip(series.ts_ns, series, strict=True)) for series in golden}
    for ts in steps:  # the stream is never told which step is the last
        stream.push(ts, {iid: bars[ts] for iid, bars in rows.items() if ts in bars})
    streamed = stream.finish(ENGINE)

    # the stream hashes the bars it was pushed: the same snapshot as the loaded data
    assert streamed == replay
    baseline = BacktraderEngine().run(config, cls(), golden)
    assert compare_results(baseline, streamed, EXACT).breaches == ()
