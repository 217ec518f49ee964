"""``finbot costs RUN_ID`` end to end: a recorded run with every cost kind, re-priced."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app

runner = CliRunner()


def test_backtest_records_each_cost_kind_and_costs_reprices_it(tmp_path: Path) -> None:
    reg = str(tmp_path / "registry")
    ran = runner.invoke(
        app,
        ["backtest", "-s", "momentum_rotation", "--engine", "sim", "--commission", "5",
         "--slippage-bps", "2", "--spread-bps", "6", "--volume-limit", "0.001",
         "--volume-impact", "0.1", "--impact-y", "1", "--registry", reg, "--json"],
    )
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout)
    paid = summary["costs"]
    assert all(paid[k] > 0 for k in ("commission", "spread", "slippage", "impact")), paid
    assert (paid["borrow"], paid["funding"]) == (0, 0)
    run_id = summary["run_id"]

    shown = runner.invoke(
        app, ["costs", run_id, "--bps", "0,10", "--sizes", "1,10", "--registry", reg, "--json"]
    )
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    per_fill = paid["commission"] + paid["spread"] + paid["slippage"] + paid["impact"]
    assert abs(report["recorded_costs"] - per_fill) < 1e-6
    assert report["recorded_sharpe"] == summary["metrics"]["sharpe"]
    assert [p["cost_bps"] for p in report["sweep"]] == [0, 10]
    assert len(report["capacity"]) == 5 * 2  # default Y 0.5..1.5 by the two sizes

    text = runner.invoke(app, ["costs", run_id, "--registry", reg])
    assert text.exit_code == 0, text.output
    assert "Break-even cost:" in text.stdout and "Capacity" in text.stdout

    bad = runner.invoke(app, ["costs", run_id, "--sizes", "1,x", "--registry", reg])
    assert bad.exit_code == EXIT_USAGE and "--sizes: expected comma-separated numbers" in bad.stderr
