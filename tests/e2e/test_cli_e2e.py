"""`finbot backtest` end to end on the real stack: data, golden strategies, Backtrader.

Through typer's CliRunner (fast, in process) and through real subprocesses: the installed console
script and `python -m finbot.cli`, exactly as a user types them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sample_data import ORCL
from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app, make_config, run_backtest
from finbot.contracts import BacktestResult, RunConfig
from finbot.data import read_result_parquet

FINBOT = Path(sys.executable).parent / "finbot"

runner = CliRunner()


def backtest(*args: str):
    return runner.invoke(app, ["backtest", *args])


def assert_clean_error(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


@pytest.fixture(scope="module")
def default_json() -> dict:
    result = backtest("--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def orcl_csv(tmp_path: Path) -> Path:
    """Two years of real ORCL daily bars, small enough for a quick run."""
    if not ORCL.is_file():
        pytest.skip(f"sample data {ORCL} is not on this machine")
    lines = ORCL.read_text().splitlines()
    path = tmp_path / "orcl.csv"
    path.write_text("\n".join(lines[:505]) + "\n")
    return path


def test_default_run_prints_a_readable_summary() -> None:
    result = backtest()
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("sma_crossover", "backtrader", "golden", "next_open", "Metrics", "Sharpe",
                 "Total return", "Trades:", "Final equity"):
        assert text in out, text


def test_json_summary_has_the_expected_keys_and_consistent_numbers(default_json: dict) -> None:
    payload = default_json
    assert {"config", "config_hash", "engine", "metrics", "counts", "final_equity",
            "result_hash", "data_snapshot_id"} <= set(payload)
    config = RunConfig.model_validate(payload["config"])
    assert config.strategy.id == "sma_crossover"
    assert config.engine == "backtrader" == payload["engine"]["name"]
    assert config.dataset.name == "golden"
    assert payload["config_hash"] == config.config_hash()
    metrics = payload["metrics"]
    assert payload["final_equity"] == metrics["final_equity"]
    assert payload["counts"]["fills"] == metrics["fill_count"] > 0
    assert payload["counts"]["orders"] == metrics["order_count"]
    assert payload["counts"]["trades"] == metrics["trade_count"]


def test_cli_and_python_api_give_the_same_result(default_json: dict) -> None:
    result = run_backtest(make_config())
    assert result.content_hash() == default_json["result_hash"]
    assert result.config.config_hash() == default_json["config_hash"]
    assert result.metrics.final_equity == default_json["final_equity"]


def test_output_files_read_back_to_the_same_result(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = backtest("--json", "--output", str(out), "--commission", "5")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    written = [Path(p) for p in payload["output_files"]]
    assert written and all(p.is_file() for p in written)
    json_files = [p for p in written if p.suffix == ".json"]
    assert json_files, written
    from_json = BacktestResult.from_json(json_files[0].read_text())
    from_parquet = read_result_parquet(out)
    assert from_json.content_hash() == payload["result_hash"]
    assert from_parquet.content_hash() == payload["result_hash"]
    assert from_json.config.cost_model.commission_bps == 5


def test_user_csv_data_runs(orcl_csv: Path) -> None:
    result = backtest("--data", str(orcl_csv), "--json", "--start", "1995-06-01")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["config"]["dataset"]["paths"] == [str(orcl_csv)]
    assert payload["config"]["start"] == "1995-06-01"
    assert payload["counts"]["equity_points"] > 300


def test_user_strategy_file_runs(tmp_path: Path) -> None:
    source = tmp_path / "my_strategy.py"
    source.write_text(textwrap.dedent("""
        from finbot.contracts import Strategy, StrategyParams


        class BuyFirst(Strategy):
            strategy_id = "buy_first"

            class Params(StrategyParams):
                fraction: float = 0.5

            def on_bar(self, ctx, bars):
                iid = ctx.instrument_ids[0]
                if ctx.position(iid) == 0 and not ctx.open_orders(iid):
                    ctx.order_target_percent(iid, self.params.fraction)
    """))
    result = backtest("--strategy", f"{source}:BuyFirst", "-p", "fraction=0.25", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["config"]["strategy"] == {
        "id": f"{source}:BuyFirst", "params": {"fraction": 0.25}
    }
    assert payload["counts"]["fills"] == 1


def test_missing_data_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    assert_clean_error(backtest("--data", str(missing)), EXIT_USAGE, "nowhere.csv", "not found")


def test_a_directory_given_as_data_is_named_as_such(tmp_path: Path) -> None:
    result = backtest("--data", str(tmp_path))
    assert_clean_error(result, EXIT_USAGE, str(tmp_path), "is a directory, not a data file")


def test_output_that_is_a_file_is_refused_before_the_run(tmp_path: Path) -> None:
    taken = tmp_path / "result.txt"
    taken.write_text("not a directory\n")
    result = backtest("--output", str(taken), "--record")
    assert_clean_error(result, EXIT_USAGE, "--output", str(taken), "is not a directory")
    assert "recorded run" not in result.output


def test_bad_csv_row_names_file_row_and_field(orcl_csv: Path) -> None:
    lines = orcl_csv.read_text().splitlines()
    # Line 4 of the file (header is line 1): a high below the low. finbot.data numbers rows as
    # the lines a user sees in an editor.
    date, open_, _high, low, close, adj, volume = lines[3].split(",")
    lines[3] = ",".join([date, open_, str(float(low) - 1.0), low, close, adj, volume])
    orcl_csv.write_text("\n".join(lines) + "\n")
    result = backtest("--data", str(orcl_csv))
    assert_clean_error(result, EXIT_USAGE, "invalid data", str(orcl_csv), "row 4",
                       "field 'High'")


def test_unknown_parameter_lists_declared_ones() -> None:
    result = backtest("--param", "no_such_param=3")
    assert_clean_error(result, EXIT_USAGE, "'no_such_param': unknown parameter",
                       "declared parameters")


def test_end_before_start() -> None:
    result = backtest("--start", "2021-01-01", "--end", "2020-01-01")
    assert_clean_error(result, EXIT_USAGE, "end 2020-01-01 is before start 2021-01-01")


def test_unknown_engine() -> None:
    assert_clean_error(backtest("--engine", "zipline"), EXIT_USAGE, "unknown engine 'zipline'")


def test_nautilus_engine_when_not_installed_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # nautilus_trader is installed in the workspace, so its absence is simulated: the adapter is
    # imported afresh with the engine's top-level package unimportable (restored after the test).
    monkeypatch.delitem(sys.modules, "finbot.engine_nautilus", raising=False)
    monkeypatch.setitem(sys.modules, "nautilus_trader", None)
    result = backtest("--engine", "nautilus")
    assert_clean_error(result, EXIT_USAGE, "engine 'nautilus' is not installed",
                       "finbot-engine-nautilus")


def test_nautilus_engine_runs_the_default_backtest_when_installed() -> None:
    result = backtest("--engine", "nautilus", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["engine"]["name"] == payload["config"]["engine"] == "nautilus"
    assert payload["counts"]["fills"] == payload["metrics"]["fill_count"] > 0


# --- real subprocesses ---------------------------------------------------------------------------


def test_console_script_json_run_in_a_subprocess(default_json: dict) -> None:
    proc = subprocess.run(
        [str(FINBOT), "backtest", "--json"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    # Same config and data in a fresh interpreter: bit-for-bit the same result.
    assert payload["result_hash"] == default_json["result_hash"]


def test_python_m_error_exits_2_with_one_paragraph_and_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "finbot.cli", "backtest", "--param", "bogus=1"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == EXIT_USAGE
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "'bogus': unknown parameter" in proc.stderr
    assert proc.stderr.startswith("error:")


@pytest.mark.parametrize("argv", [["--help"], ["backtest", "--help"]])
def test_help_imports_no_engine_or_dataframe_library(argv: list[str]) -> None:
    # -X importtime lists every module the interpreter imports, on stderr.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "finbot.cli", *argv],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "backtest" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    heavy = {"backtrader", "nautilus_trader", "pandas", "pyarrow", "finbot.engine_backtrader",
             "finbot.data"}
    assert imported & heavy == set()
    assert "finbot.cli" in imported
