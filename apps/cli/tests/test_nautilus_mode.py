"""`finbot backtest --engine nautilus --nautilus-mode native` records the mode as the engine id."""

from __future__ import annotations

import json

import pytest
from finbot_fakes import FakeWiring
from typer.testing import CliRunner

from finbot.app import _wiring
from finbot.cli import EXIT_USAGE, app

runner = CliRunner()


def test_native_mode_is_recorded_in_the_run_config(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = fake_wiring.engine
    monkeypatch.setitem(_wiring.ENGINES, "nautilus-native", (lambda verbose: engine, "fake-dist"))
    args = ["backtest", "--engine", "nautilus", "--nautilus-mode", "native", "--json"]
    args.append("--no-record")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["engine"] == "nautilus-native"
    assert [call[0].engine for call in engine.calls] == ["nautilus-native"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nautilus-mode", "native"], "--nautilus-mode applies to --engine nautilus only"),
        (["--engine", "nautilus", "--nautilus-mode", "fast"], "unknown --nautilus-mode 'fast'"),
    ],
)
def test_a_bad_nautilus_mode_is_a_usage_error(fake_wiring: FakeWiring, args, message) -> None:
    result = runner.invoke(app, ["backtest", *args, "--no-record"])
    assert result.exit_code == EXIT_USAGE
    assert message in result.output


def test_replica_mode_is_the_nautilus_engine_of_the_parity_gate() -> None:
    assert _wiring.engine_for_mode("nautilus", "replica") == "nautilus"
    assert _wiring.engine_for_mode("nautilus", None) == "nautilus"
    from finbot.app import default_engines

    assert "nautilus-native" not in default_engines()
