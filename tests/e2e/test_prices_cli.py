"""`--prices` on the CLI: recorded in the result, shown in the summary, bad input exits 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app

runner = CliRunner()


def backtest(*args: str):
    return runner.invoke(app, ["backtest", "--no-record", "--strategy", "momentum_rotation",
                               *args])


def test_price_mode_is_recorded_and_changes_the_run() -> None:
    finals = {}
    for mode in ("raw", "split-adjusted", "total-return"):
        result = backtest("--prices", mode, "--json")
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert payload["config"]["dataset"]["prices"] == mode
        finals[mode] = payload["final_equity"]
    # momentum_rotation holds BRAVO through its split and CHARLIE through its dividend
    assert len(set(finals.values())) == 3, finals


def test_summary_states_the_price_mode() -> None:
    result = backtest("--prices", "raw")
    assert result.exit_code == 0, result.output
    assert "Prices" in result.stdout
    assert "raw (splits and dividends applied to positions and cash)" in result.stdout


def test_backtrader_yahoo_on_a_dataset_with_an_action_table_is_a_clean_error() -> None:
    result = backtest("--prices", "backtrader-yahoo")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "Traceback" not in result.output
    assert "backtrader-yahoo" in result.stderr


def test_sweep_runs_every_grid_point_in_the_price_mode_asked() -> None:
    args = ["sweep", "--strategy", "momentum_rotation", "-p", "top_k=1,2", "--prices", "raw",
            "--executor", "serial", "--no-record", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert len(runs) == 2
    for run in runs:
        one = backtest("--prices", "raw", "--param", f"top_k={run['params']['top_k']}", "--json")
        assert one.exit_code == 0, one.output
        assert run["metrics"]["final_equity"] == json.loads(one.stdout)["final_equity"]
