"""The typer command against the fakes: output, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from finbot_fakes import FakeEngine, FakeWiring
from typer.testing import CliRunner

from finbot.app import _wiring
from finbot.cli import EXIT_RUN_FAILED, EXIT_USAGE, app
from finbot.contracts import BacktestResult, EngineRunError, MarketData, RunConfig, Strategy

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["backtest", *args])


def test_default_run_prints_header_metrics_and_final_equity(fake_wiring: FakeWiring) -> None:
    result = invoke()
    assert result.exit_code == 0, result.output
    run = fake_wiring.engine.calls[-1]
    assert run[0].strategy.id == "buy_and_hold"
    for text in ("Strategy", "buy_and_hold", "Fill policy", "next_open", "Metrics", "Sharpe",
                 "Max drawdown", "Final equity", "Trades:", "Fills: 1"):
        assert text in result.stdout, text


def test_json_summary_is_the_only_stdout_and_matches_the_result(fake_wiring: FakeWiring) -> None:
    result = invoke("--json", "--param", "fraction=0.3", "--cash", "50000")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    config = RunConfig.model_validate(payload["config"])
    assert payload["config_hash"] == config.config_hash()
    assert config.strategy.params["fraction"] == 0.3
    assert config.starting_cash == 50000
    metrics = payload["metrics"]
    assert payload["final_equity"] == metrics["final_equity"]
    assert payload["counts"]["fills"] == metrics["fill_count"] == 1
    assert payload["counts"]["orders"] == metrics["order_count"]
    assert len(payload["result_hash"]) == 64


def test_options_reach_the_config(fake_wiring: FakeWiring) -> None:
    result = invoke(
        "--start", "2020-01-03", "--end", "2020-01-30", "--commission", "5",
        "--commission-per-share", "0.01", "--slippage-bps", "2", "--fill-policy", "this_close",
        "-p", "instrument=BBB",
    )
    assert result.exit_code == 0, result.output
    config, _, data = fake_wiring.engine.calls[-1]
    assert str(config.start) == "2020-01-03" and str(config.end) == "2020-01-30"
    costs = config.cost_model
    assert (costs.commission_bps, costs.commission_per_share, costs.slippage_bps) == (5, 0.01, 2)
    assert config.fill_policy.value == "this_close"
    assert config.strategy.params["instrument"] == "BBB"
    assert len(data.bars("AAA")) == 28


def test_commission_schedule_options_reach_the_config_and_the_summary(
    fake_wiring: FakeWiring,
) -> None:
    result = invoke(
        "--commission-preset", "ib_fixed", "--commission-fixed", "0.35", "--commission-max", "20"
    )
    assert result.exit_code == 0, result.output
    costs = fake_wiring.engine.calls[-1][0].cost_model
    assert (costs.commission_per_share, costs.commission_minimum, costs.commission_fixed) == (
        0.005,
        1.0,
        0.35,
    )
    assert (costs.commission_maximum, costs.commission_maximum_bps) == (20.0, 100.0)
    assert (
        "commission 0 bps + 0.005/share + 0.35 fixed (min 1, max 20, max 100 bps of notional, "
        "rounding cent), slippage 0 bps"
    ) in " ".join(result.stdout.split())


def test_an_unknown_commission_preset_is_a_usage_error(fake_wiring: FakeWiring) -> None:
    result = invoke("--commission-preset", "ibkr")
    assert_clean_error(result, EXIT_USAGE, "unknown preset 'ibkr'", "ib_fixed")


def test_account_options_reach_the_config_and_the_summary(fake_wiring: FakeWiring) -> None:
    result = invoke(
        "--account", "margin", "--initial-margin", "0.25", "--borrow-rate", "0.03",
        "--funding-rate", "0.06",
    )
    assert result.exit_code == 0, result.output
    account = fake_wiring.engine.calls[-1][0].account
    assert (account.kind, account.initial_margin) == ("margin", 0.25)
    assert (account.borrow_rate, account.funding_rate, account.day_count) == (0.03, 0.06, 360)
    assert (
        "margin account (initial margin 25%, borrow 3.00%/yr, funding 6.00%/yr, ACT/360)"
    ) in " ".join(result.stdout.split())
    assert "cash account (no shorts, no borrowing)" in " ".join(invoke().stdout.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--account", "margn"), "account.kind: Input should be 'cash', 'margin'"),
        (("--borrow-rate", "0.03"), "borrow_rate and funding_rate need kind 'margin'"),
        (("--account", "margin", "--initial-margin", "1.5"), "account.initial_margin"),
    ],
)
def test_bad_account_options_are_usage_errors(
    fake_wiring: FakeWiring, args: tuple[str, ...], message: str
) -> None:
    assert_clean_error(invoke(*args), EXIT_USAGE, message)


def assert_clean_error(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_unknown_parameter_is_a_usage_error_listing_declared_ones(fake_wiring: FakeWiring) -> None:
    result = invoke("--param", "fast=10")
    assert_clean_error(result, EXIT_USAGE, "'fast': unknown parameter", "fraction, instrument")


def test_end_before_start_is_a_usage_error(fake_wiring: FakeWiring) -> None:
    result = invoke("--start", "2021-01-01", "--end", "2020-01-01")
    assert_clean_error(result, EXIT_USAGE, "end 2020-01-01 is before start 2021-01-01")


def test_unknown_engine_is_a_usage_error(fake_wiring: FakeWiring) -> None:
    result = invoke("--engine", "zipline")
    assert_clean_error(result, EXIT_USAGE, "unknown engine 'zipline'", "backtrader")


def test_missing_data_file_is_a_usage_error(fake_wiring: FakeWiring, tmp_path: Path) -> None:
    result = invoke("--data", str(tmp_path / "gone.csv"))
    assert_clean_error(result, EXIT_USAGE, "data file not found", "gone.csv")


def test_bad_strategy_reference_is_a_usage_error(fake_wiring: FakeWiring, tmp_path: Path) -> None:
    result = invoke("--strategy", f"{tmp_path / 'mine.py'}:Mine")
    assert_clean_error(result, EXIT_USAGE, "cannot load strategy", "mine.py")


def test_malformed_param_is_a_usage_error(fake_wiring: FakeWiring) -> None:
    assert_clean_error(invoke("-p", "fast"), EXIT_USAGE, "key=value")


def test_bad_date_is_rejected_by_the_parser(fake_wiring: FakeWiring) -> None:
    result = invoke("--start", "01/02/2020")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.output


class _FailingEngine(FakeEngine):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        raise self.error


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (EngineRunError("account went negative"), "run failed: account went negative"),
        (ZeroDivisionError("division by zero"), "unexpected ZeroDivisionError: division by zero"),
    ],
)
def test_run_failures_exit_1_without_traceback(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch, error: Exception, fragment: str
) -> None:
    failing = _FailingEngine(error)
    failing.name = "fake"
    monkeypatch.setitem(_wiring.ENGINES, "fake", (lambda verbose: failing, "fake-dist"))
    assert_clean_error(invoke(), EXIT_RUN_FAILED, fragment)


def test_verbose_shows_the_traceback(fake_wiring: FakeWiring, monkeypatch) -> None:
    failing = _FailingEngine(ZeroDivisionError("division by zero"))
    failing.name = "fake"
    monkeypatch.setitem(_wiring.ENGINES, "fake", (lambda verbose: failing, "fake-dist"))
    result = invoke("--verbose")
    assert result.exit_code == EXIT_RUN_FAILED
    assert "Traceback" in result.stderr
    assert "ZeroDivisionError" in result.stderr


def test_help_lists_the_options() -> None:
    result = runner.invoke(app, ["backtest", "--help"])
    assert result.exit_code == 0
    for option in ("--strategy", "--data", "--param", "--engine", "--output", "--json"):
        assert option in result.stdout


def test_a_recorded_run_loads_its_data_once_and_pins_the_window_the_engine_saw(
    fake_wiring: FakeWiring,
) -> None:
    from finbot.registry import Registry

    result = invoke("--json", "--start", "2020-01-03", "--end", "2020-01-30")
    assert result.exit_code == 0, result.output
    assert "recorded run" in result.stderr
    assert len(fake_wiring.loaded) == 1
    _, _, seen = fake_wiring.engine.calls[-1]
    with Registry.open(None) as registry:
        (record,) = registry.runs()
    assert record.data_snapshot_id == seen.snapshot_id()
    assert record.data_snapshot_id == json.loads(result.stdout)["data_snapshot_id"]


_FAILING_STRATEGY = '''\
from finbot.contracts import Strategy


class Crashes(Strategy):
    strategy_id = "crashes"

    def on_bar(self, ctx, bars):
        raise KeyError("no such column")
'''


def test_a_strategy_that_raises_is_a_run_failure_naming_it_and_its_line(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    from finbot.registry import Registry

    source = tmp_path / "crashes.py"
    source.write_text(_FAILING_STRATEGY)
    result = invoke("--strategy", f"{source}:Crashes")
    assert_clean_error(
        result,
        EXIT_RUN_FAILED,
        f"strategy '{source}:Crashes' raised an unexpected KeyError: 'no such column'",
        f"{source}, line 8, in on_bar",
        "--verbose",
    )
    with Registry.open(None) as registry:
        (record,) = registry.runs()
    assert record.status.value == "failed"
    assert record.error is not None and "KeyError" in record.error


def test_a_registry_that_cannot_be_opened_fails_before_the_run(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    result = invoke("--registry", str(blocker / "registry"))
    assert_clean_error(result, EXIT_RUN_FAILED, "cannot create registry directory", str(blocker))
    assert fake_wiring.engine.calls == []
