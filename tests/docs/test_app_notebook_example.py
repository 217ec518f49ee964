"""The README's "From a notebook" code (packages/app) runs as shown; its frames hold the runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from finbot.app import make_config, run_backtest

README = Path(__file__).resolve().parents[2] / "packages" / "app" / "README.md"


def notebook_code() -> str:
    section = README.read_text(encoding="utf-8").split("## From a notebook", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the README has no python block under 'From a notebook'"
    return "\n".join(blocks)


def test_the_readme_notebook_code_runs_and_its_frame_matches_direct_runs() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(notebook_code(), str(README), "exec"), namespace)

    runs = namespace["runs"]
    assert len(runs) == 4 and set(runs["status"]) == {"succeeded"}
    assert sorted(zip(runs["fast"], runs["slow"], strict=True)) == [
        (5, 30), (5, 50), (10, 30), (10, 50)
    ]
    # Each row's metrics are those of the same run made directly, outside any batch.
    for fast, slow in ((5, 30), (10, 50)):
        direct = run_backtest(
            make_config(strategy="sma_crossover", params={"fast": fast, "slow": slow})
        ).metrics
        [row] = runs[(runs["fast"] == fast) & (runs["slow"] == slow)].to_dict("records")
        assert row["sharpe"] == direct.sharpe
        assert row["final_equity"] == direct.final_equity
        assert row["trade_count"] == direct.trade_count
    best = namespace["best"]
    assert list(best["sharpe"]) == sorted(runs["sharpe"], reverse=True)
