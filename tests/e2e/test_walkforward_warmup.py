"""Walk-forward out-of-sample runs warm up (ADR 0031): ORCL, SMA 10/30 on sim, checked by hand.

Cold, the winner cannot trade for the first 30 sessions of a 60-session test window (its slow SMA
has no history); warmed up on the 30 sessions before the window, it does, and the fold's
out-of-sample return is a direct run's equity change over the test window.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sample_data import require_sample
from typer.testing import CliRunner

from finbot.app import make_config, run_backtest
from finbot.cli import app
from finbot.contracts import format_metric, session_date
from finbot.registry import Registry

runner = CliRunner()


def _walk_forward(orcl: Path, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, [
        "walkforward", "--data", str(orcl), "--engine", "sim", "--start", "2013-01-01",
        "--end", "2014-12-31", "-p", "fast=5,10", "-p", "slow=30", "--folds", "2",
        "--test", "60", "--purge", "3", "--metric", "total_return", "--executor", "serial",
        "--json", *extra,
    ])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_a_warmed_up_fold_trades_early_and_scores_only_its_test_window(tmp_path: Path) -> None:
    orcl = require_sample("orcl-1995-2014.txt")
    reg = str(tmp_path / "registry")
    warm = _walk_forward(orcl, "--registry", reg)
    cold = _walk_forward(orcl, "--warmup", "0", "--no-record")
    for fold, cold_fold in zip(warm["folds"], cold["folds"], strict=True):
        test = [date.fromisoformat(d) for d in fold["test"]]
        params = fold["winner"]["params"]
        assert params["slow"] == 30 and cold_fold["winner"]["params"] == params
        assert fold["warmup_sessions"] == 30 and cold_fold["warmup_sessions"] == 0
        # The same winner run directly from the warm-up's first session to the window's end.
        direct = run_backtest(make_config(
            params=params, data=[orcl], engine="sim",
            start=date.fromisoformat(fold["oos_run_start"]), end=test[1],
        ))
        days = [session_date(ts) for ts in direct.equity_curve.ts_ns]
        first = days.index(test[0])
        assert first == 30 and all(d < test[0] for d in days[:first])  # W bars, all before
        equity = direct.equity_curve.equity
        oos = fold["out_of_sample"]["metrics"]
        assert oos["total_return"] == pytest.approx(equity[-1] / equity[first - 1] - 1, rel=1e-12)
        # It trades within the window's first 30 sessions; cold, the fold cannot.
        early = [f for f in direct.fills if test[0] <= session_date(f.ts_ns) <= days[first + 29]]
        assert early and oos["fill_count"] == sum(session_date(f.ts_ns) >= test[0]
                                                  for f in direct.fills)
        assert cold_fold["out_of_sample"]["metrics"]["fill_count"] == 0
        assert fold["open_at_test_start"] is (direct.equity_curve.gross_exposure[first - 1] != 0)
    # The stitched equity and the summary cover the test windows only: 2 x 60 sessions.
    assert warm["summary"]["oos_days"] == len(warm["equity"]) == 120
    assert warm["equity"][0][0] == warm["folds"][0]["test"][0]

    # The cohort page cuts the recorded (warmed-up) test runs at their test windows too.
    with Registry.open(reg) as registry:
        [oos_run] = registry.runs(tag="fold:1:test")
        assert f"test-window:{'..'.join(warm['folds'][1]['test'])}" in oos_run.tags
    page = tmp_path / "folds.html"
    shown = runner.invoke(app, ["runs", "compare", "--tag", warm["tag"], "--report", str(page),
                                "--registry", reg])
    assert shown.exit_code == 0, shown.output
    html = page.read_text()
    last = warm["folds"][1]
    assert f"{last['test'][0]} .. {last['test'][1]} (warm-up from {last['oos_run_start']})" in html
    # Its stitched return is the walk-forward's out-of-sample total return.
    stitched = format_metric("total_return", warm["summary"]["oos_total_return"])
    assert f"<td class=num>{stitched}</td></tr>" in html
