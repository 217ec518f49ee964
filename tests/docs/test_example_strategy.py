"""The docs site's example strategy runs as shown and agrees exactly on both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "docs_site/examples/breakout.py:Breakout"


def test_example_strategy_trades_and_agrees_exactly_on_both_engines():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "finbot.cli",
            "parity",
            "--strategy",
            EXAMPLE,
            "--fill-policy",
            "both",
            "--no-record",
            "--json",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"parity of the docs example failed:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout)
    assert report["ok"] is True and report["tolerance"] == "exact"
    assert [run["fill_policy"] for run in report["runs"]] == ["next_open", "this_close"]
    for run in report["runs"]:
        engines = [r["engine"]["name"] for r in run["results"]]
        assert engines == ["backtrader", "nautilus", "sim"]  # every registered engine
        # The page shows entries, stop orders and exits: the example must really trade.
        counts = {(r["orders"], r["fills"], r["trades"]) for r in run["results"]}
        assert len(counts) == 1
        orders, fills, trades = counts.pop()
        assert trades > 0 and orders > fills, (orders, fills, trades)
