"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps.

A whole default run: the embedded dataset, golden strategy 1, Backtrader.
"""

from finbot.app import make_config, run_backtest

result = run_backtest(make_config())
assert result.config.engine == "backtrader"
assert result.metrics.fill_count == len(result.fills) > 0
