"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps."""

from finbot.contracts import ConfigError
from finbot.strategies import GOLDEN_STRATEGIES, SmaCrossover

assert len(GOLDEN_STRATEGIES) >= 3
for strategy_cls in GOLDEN_STRATEGIES.values():
    strategy_cls.make_params({})
try:
    SmaCrossover({"fast": 30, "slow": 10})
except ConfigError:
    pass
else:
    raise AssertionError("fast >= slow was accepted")
