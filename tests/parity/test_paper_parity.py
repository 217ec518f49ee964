"""The paper broker on replay equals the Backtrader adapter on the three golden strategies.

Both fill policies, with and without a broker-like commission: every order (status, quantities,
times), every fill and the whole equity curve must be identical, not merely close.
"""

from __future__ import annotations

from functools import cache

import pytest

from finbot.contracts import CostModel, DatasetRef, FillPolicy, MarketData, RunConfig, StrategySpec
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.paper_broker import PaperEngine
from finbot.strategies import GOLDEN_STRATEGIES

COSTS = {
    "free": CostModel(),
    "commission": CostModel(commission_bps=5.0, commission_per_share=0.005),
}


@cache
def _golden() -> MarketData:
    return load_dataset("golden")


@pytest.mark.parametrize("costs", list(COSTS))
@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("name", list(GOLDEN_STRATEGIES))
def test_paper_replay_equals_backtrader(name, policy, costs):
    data = _golden()
    config = RunConfig(
        strategy=StrategySpec(id=name),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=COSTS[costs],
    )
    strategy = GOLDEN_STRATEGIES[name]
    bt = BacktraderEngine().run(config, strategy(), data)
    paper = PaperEngine().run(config.model_copy(update={"engine": "paper"}), strategy(), data)
    assert bt.fills, "the strategy traded nothing: the comparison would prove nothing"
    assert paper.fills == bt.fills
    assert paper.orders == bt.orders
    assert paper.equity_curve == bt.equity_curve
    assert paper.metrics.final_equity == bt.metrics.final_equity
