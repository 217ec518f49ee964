"""The README's "From a notebook" code (packages/app) runs as shown; its frames hold the runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from finbot.app import make_config, run_backtest
from finbot.contracts import to_ns, window_figures

README = Path(__file__).resolve().parents[2] / "packages" / "app" / "README.md"


def notebook_code() -> str:
    section = README.read_text(encoding="utf-8").split("## From a notebook", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the README has no python block under 'From a notebook'"
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def notebook() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(notebook_code(), str(README), "exec"), namespace)
    return namespace


def direct(fast: int, slow: int, **window: Any) -> Any:
    """The same run made directly, outside any batch."""
    params = {"fast": fast, "slow": slow}
    return run_backtest(make_config(strategy="sma_crossover", params=params, **window)).metrics


def test_the_sweep_frame_has_every_run_with_the_metrics_of_a_direct_run(
    notebook: dict[str, Any],
) -> None:
    runs = notebook["runs"]
    assert len(runs) == 4 and set(runs["status"]) == {"succeeded"}
    assert sorted(zip(runs["fast"], runs["slow"], strict=True)) == [
        (5, 30), (5, 50), (10, 30), (10, 50)
    ]
    for fast, slow in ((5, 30), (10, 50)):
        [row] = runs[(runs["fast"] == fast) & (runs["slow"] == slow)].to_dict("records")
        metrics = direct(fast, slow)
        assert (row["sharpe"], row["final_equity"], row["trade_count"]) == (
            metrics.sharpe, metrics.final_equity, metrics.trade_count
        )
    best = notebook["best"]
    assert list(best["sharpe"]) == sorted(runs["sharpe"], reverse=True)


def test_the_fold_frame_has_each_folds_best_training_run_and_its_direct_test_run(
    notebook: dict[str, Any],
) -> None:
    folds = notebook["folds"]
    assert list(folds["fold"]) == [0, 1] and set(folds["status"]) == {"succeeded"}
    assert set(folds["dataset"]) == {"golden"} and folds["pbo"].notna().all()
    for fold in folds.to_dict("records"):
        assert fold["train_end"] < fold["test_start"]
        # The winner is the grid's best on the training window, each combination run directly.
        trained = {
            (fast, slow): direct(fast, slow, start=fold["train_start"], end=fold["train_end"])
            for fast in (5, 10) for slow in (30, 50)
        }
        best = max(trained, key=lambda combo: trained[combo].sharpe or float("-inf"))
        assert (fold["fast"], fold["slow"]) == best
        assert fold["train_sharpe"] == trained[best].sharpe
        # The winner's direct run from its warm-up (its slow SMA's sessions before the test
        # window), measured over the test window (ADR 0031).
        assert fold["warmup_sessions"] == best[1]
        run = run_backtest(make_config(strategy="sma_crossover",
                                       params={"fast": best[0], "slow": best[1]},
                                       start=fold["oos_run_start"], end=fold["test_end"]))
        tested = window_figures(run, to_ns(fold["test_start"])).metrics
        assert (fold["sharpe"], fold["final_equity"]) == (tested.sharpe, tested.final_equity)
    assert list(notebook["oos"].columns) == [
        "fold", "test_start", "test_end", "fast", "slow", "train_sharpe", "sharpe"
    ]
