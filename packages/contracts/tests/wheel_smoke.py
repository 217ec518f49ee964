"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps."""

from datetime import date

from finbot.contracts import CostModel, DatasetRef, RunConfig, StrategySpec, from_ns, to_ns

cost = CostModel(commission_bps=10, commission_per_share=0.005)
assert cost.commission(100, 50.0) == 5.5, cost.commission(100, 50.0)
config = RunConfig(strategy=StrategySpec(id="smoke"), dataset=DatasetRef(name="smoke"))
assert len(config.config_hash()) == 64
assert from_ns(to_ns(date(2024, 1, 2))).date() == date(2024, 1, 2)
