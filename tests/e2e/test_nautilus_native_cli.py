"""Nautilus native mode through the CLI on the real engine: latency recorded and rerun exactly."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from finbot.cli import app

runner = CliRunner()


def test_a_native_run_with_latency_reruns_exactly(tmp_path, isolated_registry) -> None:
    # The real engine: a latency run succeeds, its settings are recorded in the run config and a
    # rerun from the registry rebuilds them (a rerun with the defaults would differ: 10 ms moves
    # every market fill of golden strategy 1 a bar later).
    reg = str(tmp_path / "reg")
    args = ["backtest", "--engine", "nautilus", "--nautilus-mode", "native", "--registry", reg]
    first = runner.invoke(app, [*args, "--latency-ms", "10", "--json"])
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert payload["config"]["native"]["latency_ms"] == 10.0
    assert payload["engine"]["details"]["latency_ms"] == "10.0"
    again = runner.invoke(app, ["runs", "rerun", payload["run_id"], "--registry", reg])
    assert again.exit_code == 0, again.output
    assert "rerun identical" in again.output
    instant = runner.invoke(app, [*args, "--json"])
    assert json.loads(instant.stdout)["final_equity"] != payload["final_equity"]
