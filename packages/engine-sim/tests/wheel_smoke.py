"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps."""

import runpy
from pathlib import Path

from finbot.engine_sim import SimEngine

shared = Path(__file__).resolve().parents[3] / "tests" / "support" / "engine_wheel_smoke.py"
runpy.run_path(str(shared))["smoke_engine"](SimEngine())
