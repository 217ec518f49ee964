"""``BatchReport.to_frame``: one row per run, failed runs with their failure and no metrics."""

from __future__ import annotations

import math

from finbot.app import BatchReport, FailureKind, RunRow, RunStatus
from finbot.contracts import Metrics

METRICS = Metrics(
    starting_equity=100.0, final_equity=110.0, total_return=0.1, cagr=0.1,
    annual_volatility=0.2, sharpe=0.5, sortino=None, max_drawdown=0.05,
    max_drawdown_duration_days=3.0, calmar=2.0, win_rate=0.5, profit_factor=1.5,
    turnover=1.0, exposure=0.5, trade_count=2, order_count=4, fill_count=4,
    total_commission=1.0,
)


def test_a_frame_has_a_row_per_run_with_params_status_failure_and_metrics() -> None:
    ok = RunRow(0, "k0", "golden", "sim", {"fast": 5, "status": "x"},
                status=RunStatus.SUCCEEDED, attempts=1, run_id="r0", metrics=METRICS,
                seconds=0.2)
    bad = RunRow(1, "k1", "golden", "sim", {"fast": 10, "status": "y"},
                 status=RunStatus.FAILED, attempts=3, failure=FailureKind.TIMEOUT,
                 error="too slow")
    report = BatchReport(batch_id=None, strategy="s", metric="sharpe", rows=(bad, ok),
                         executor="serial", workers=1, bundle_size=1, elapsed_seconds=1.0)
    frame = report.to_frame()
    assert list(frame.index) == [1, 0] and frame.index.name == "run"
    # A parameter named like a column keeps its value under a prefixed name.
    assert list(frame["param_status"]) == ["y", "x"]
    assert list(frame["status"]) == ["failed", "succeeded"]
    assert frame.loc[0, "sharpe"] == 0.5 and frame.loc[0, "trade_count"] == 2
    assert frame.loc[1, "failure"] == "timeout" and frame.loc[1, "attempts"] == 3
    assert math.isnan(frame.loc[1, "sharpe"]) and frame.loc[0, "failure"] is None
    assert list(frame["fast"]) == [10, 5]
