"""`finbot backtest` on an engine whose import is broken fails the run; an absent one is bad input.

The Backtrader adapter is imported afresh with one module made unimportable in ``sys.modules``
(monkeypatch puts every entry back after the test). The wiring rule itself is tested in
packages/app/tests/test_engine_imports.py.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from finbot.cli import EXIT_RUN_FAILED, EXIT_USAGE, app

ADAPTER = "finbot.engine_backtrader"


def _backtest_with_unimportable(monkeypatch: pytest.MonkeyPatch, blocked: str):
    monkeypatch.delitem(sys.modules, ADAPTER, raising=False)
    monkeypatch.setitem(sys.modules, blocked, None)
    return CliRunner().invoke(app, ["backtest", "--engine", "backtrader", "--no-record"])


def test_a_broken_adapter_fails_the_run_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _backtest_with_unimportable(monkeypatch, f"{ADAPTER}._engine")
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert "Traceback" not in result.output
    assert "engine 'backtrader' is installed but failed to import" in result.stderr


def test_an_absent_engine_is_bad_input_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _backtest_with_unimportable(monkeypatch, "backtrader")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "engine 'backtrader' is not installed" in result.stderr
    assert "pip install finbot-engine-backtrader" in result.stderr
