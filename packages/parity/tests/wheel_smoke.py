"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps."""

from finbot.parity import EXACT, ParityTolerance

assert EXACT.metric_within(1.0, 1.0) and not EXACT.metric_within(1.0, 1.0 + 1e-12)
assert ParityTolerance().metric_within(None, None)
