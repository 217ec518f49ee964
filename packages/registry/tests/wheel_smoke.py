"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps."""

import tempfile

from finbot.registry import Registry

with tempfile.TemporaryDirectory() as folder, Registry.open(folder) as registry:
    assert registry.dialect == "sqlite"
    assert list(registry.runs()) == []
