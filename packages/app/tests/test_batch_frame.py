"""``to_frame``, ``fold_frame``: a row per run or fold; a failed run has its failure, no metrics."""

from __future__ import annotations

import math
from datetime import date

from finbot.app import (
    BatchReport,
    FailureKind,
    Fold,
    FoldResult,
    PairWalkForward,
    RunRow,
    RunStatus,
    WalkForwardReport,
)
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


def test_a_fold_frame_has_a_row_per_fold_and_pair_with_the_winner_and_its_test_run() -> None:
    winner = RunRow(0, "k0", "golden", "sim", {"fast": 5, "dsr": 1}, status=RunStatus.SUCCEEDED,
                    metrics=METRICS.model_copy(update={"sharpe": 2.0}))
    tested = RunRow(0, "k1", "golden", "sim", {"fast": 5, "dsr": 1}, status=RunStatus.SUCCEEDED,
                    attempts=1, run_id="r1", metrics=METRICS)
    days = [date(2021, 1, d) for d in (4, 15, 18, 29)]
    won = FoldResult(Fold(0, (days[0], days[1]), (days[2], days[3])), winner, tested,
                     {"deflated_sharpe": {"dsr": 0.9}, "pbo": {"pbo": 0.25}})
    # No training run finished: no winner, nothing ran out of sample, no statistics.
    empty = FoldResult(Fold(1, (days[0], days[3]), (days[3], days[3])), None, None,
                       {"warnings": ["fewer than two finished runs: no DSR or PBO"]})
    batch = BatchReport(batch_id=None, strategy="s", metric="sharpe", rows=(), executor="serial",
                        workers=1, bundle_size=1, elapsed_seconds=0.0)
    report = WalkForwardReport(
        metric="sharpe",
        pairs=(PairWalkForward("golden", "sim", (won, empty), ()),
               PairWalkForward("golden", "backtrader", (won,), ())),
        training=batch,
        testing=batch,
    )
    frame = report.fold_frame()
    assert list(zip(frame["engine"], frame["fold"], strict=True)) == [
        ("sim", 0), ("sim", 1), ("backtrader", 0)
    ]
    first = frame.iloc[0]
    assert (first["train_start"], first["test_end"]) == (days[0], days[3])
    assert (first["fast"], first["param_dsr"], first["train_sharpe"]) == (5, 1, 2.0)
    assert (first["dsr"], first["pbo"], first["status"], first["sharpe"]) == (
        0.9, 0.25, "succeeded", 0.5
    )
    second = frame.iloc[1]
    assert second["status"] is None and math.isnan(second["sharpe"])
    assert math.isnan(second["fast"]) and math.isnan(second["train_sharpe"])
