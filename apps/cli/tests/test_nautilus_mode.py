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


def test_native_options_reach_the_engine_in_the_run_config(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = fake_wiring.engine
    monkeypatch.setitem(_wiring.ENGINES, "nautilus-native", (lambda verbose: engine, "fake-dist"))
    args = ["backtest", "--engine", "nautilus", "--nautilus-mode", "native", "--no-record"]
    args += ["--latency-ms", "250", "--prob-slippage", "0.5", "--native-account", "cash"]
    args += ["--native-liquidity", "unlimited", "--no-risk-engine", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = {
        "latency_ms": 250.0,
        "prob_fill_on_limit": 1.0,  # not given: its default, recorded explicitly
        "prob_slippage": 0.5,
        "account": "cash",
        "liquidity": "unlimited",
        "risk_engine": False,
    }
    assert json.loads(result.stdout)["config"]["native"] == expected
    assert engine.calls[0][0].native.model_dump(mode="json") == expected


def test_native_mode_without_options_records_the_defaults(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = fake_wiring.engine
    monkeypatch.setitem(_wiring.ENGINES, "nautilus-native", (lambda verbose: engine, "fake-dist"))
    args = ["backtest", "--engine", "nautilus-native", "--no-record", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["native"]["latency_ms"] == 0.0


@pytest.mark.parametrize("engine", [[], ["--engine", "nautilus"]])
def test_native_options_on_another_engine_are_a_usage_error(
    fake_wiring: FakeWiring, engine: list[str]
) -> None:
    result = runner.invoke(app, ["backtest", *engine, "--latency-ms", "10", "--no-record"])
    assert result.exit_code == EXIT_USAGE
    assert "apply only to engine nautilus-native" in result.output
    assert "Traceback" not in result.output


def test_parity_gives_the_native_options_to_the_native_engine_only(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = fake_wiring.engine
    monkeypatch.setitem(_wiring.ENGINES, "nautilus-native", (lambda verbose: engine, "fake-dist"))
    args = ["parity", "--engines", "fake,nautilus-native", "--latency-ms", "5", "--no-record"]
    result = runner.invoke(app, [*args, "--json", "--tolerance", "spec"])
    assert result.exit_code == 0, result.output  # the same fake run: only the configs differ
    configs = [call[0] for call in engine.calls]
    assert [(c.engine, c.native and c.native.latency_ms) for c in configs] == [
        ("fake", None),
        ("nautilus-native", 5.0),
    ]


def test_parity_refuses_native_options_without_a_native_engine(fake_wiring: FakeWiring) -> None:
    args = ["parity", "--engines", "fake,fake", "--prob-slippage", "0.5", "--no-record"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_USAGE
    assert "need an engine that honours them" in result.output
