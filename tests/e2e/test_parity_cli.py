"""`finbot parity` end to end on the real engines, as CI and users type it.

The installed console script in a subprocess (the CI gate's exact command), and typer's CliRunner
for the other paths: result files, a real breach (a strategy that is not deterministic), bad input.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from engine_availability import require_engine
from sample_data import ORCL
from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app
from finbot.contracts import BacktestResult

FINBOT = Path(sys.executable).parent / "finbot"

runner = CliRunner()


def parity(*args: str):
    return runner.invoke(app, ["parity", *args])


@pytest.fixture(scope="module")
def nautilus() -> None:
    require_engine("nautilus")


def test_the_ci_gate_command_passes_and_reports_both_policies(nautilus: None) -> None:
    proc = subprocess.run(
        [str(FINBOT), "parity", "--strategy", "momentum_rotation", "--fill-policy", "both",
         "--engines", "backtrader,nautilus", "--json"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["ok"] is True and payload["tolerance"] == "exact"
    assert [run["fill_policy"] for run in payload["runs"]] == ["next_open", "this_close"]
    for run in payload["runs"]:
        (report,) = run["comparisons"]
        assert (report["left_engine"], report["right_engine"]) == ("backtrader", "nautilus")
        assert report["fill_counts"][0] == report["fill_counts"][1] > 0
        assert report["breaches"] == [] and report["first_fill_divergence"] is None
        assert report["final_equity_gap_bp"] == 0.0
        results = run["results"]
        # The same config apart from the engine id, and the same final equity to the bit.
        assert results[0]["final_equity"] == results[1]["final_equity"]
        assert results[0]["result_hash"] != results[1]["result_hash"]  # engine info differs


def test_real_data_report_and_result_files(nautilus: None, tmp_path: Path) -> None:
    if not ORCL.is_file():
        pytest.skip(f"sample data {ORCL} is not on this machine")
    out = tmp_path / "parity"
    result = parity(
        "-s", "bollinger_reversion", "-d", str(ORCL), "--start", "2004-01-01",
        "--commission", "5", "--output", str(out),
    )
    assert result.exit_code == 0, result.output
    assert "backtrader (baseline) vs nautilus" in result.stdout
    assert "PARITY OK (exact)" in result.stdout
    report = json.loads((out / "parity.json").read_text())
    assert report["ok"] is True
    for engine in ("backtrader", "nautilus"):
        stored = BacktestResult.from_json((out / "next_open" / engine / "result.json").read_text())
        assert stored.engine.name == engine
        assert str(stored.config.start) == "2004-01-01"


def test_a_nondeterministic_strategy_breaches_parity_with_the_first_diverging_fill(
    tmp_path: Path,
) -> None:
    # Each run buys a different quantity (a run counter kept in a file beside the strategy, as
    # the file is imported afresh for every run): the same engine run twice must then disagree,
    # and parity must say where.
    strategy = tmp_path / "drifting.py"
    strategy.write_text(textwrap.dedent("""
        from pathlib import Path
        from finbot.contracts import Strategy

        COUNTER = Path(__file__).with_suffix(".runs")

        class Drifting(Strategy):
            strategy_id = "drifting"

            def on_start(self, ctx):
                runs = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
                COUNTER.write_text(str(runs))
                self.quantity = 10 * runs

            def on_bar(self, ctx, bars):
                iid = ctx.instrument_ids[0]
                if iid in bars and ctx.position(iid) == 0 and not ctx.open_orders(iid):
                    ctx.buy(iid, self.quantity)
    """))
    result = parity("-s", f"{strategy}:Drifting", "--engines", "backtrader,backtrader")
    assert result.exit_code == 1, result.output
    assert "PARITY BREACHED" in result.stdout
    assert "First diverging order: #0 (quantity)" in result.stdout
    assert "First diverging fill: #0 (quantity)" in result.stdout
    assert "quantity 10.0 vs 20.0" in result.stdout
    assert "parity breached: 1 comparison(s)" in result.stderr


def test_an_engine_that_refuses_the_config_is_a_usage_error(nautilus: None) -> None:
    # Native mode slips by Nautilus's ticks and refuses slippage_bps (the replica accepts it).
    result = parity("--engines", "backtrader,nautilus-native", "--slippage-bps", "2")
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stdout == ""
    assert "slippage_bps" in result.stderr and "Traceback" not in result.output


def test_slippage_runs_agree_on_every_engine(nautilus: None) -> None:
    result = parity("--slippage-bps", "2", "--no-record")
    assert result.exit_code == 0, result.output
    assert "backtrader (baseline) vs nautilus" in result.stdout
    assert "slippage 2 bps" in result.stdout
    assert "PARITY BREACHED" not in result.stdout


def test_native_mode_without_latency_passes_the_exact_gate_under_this_close(
    nautilus: None,
) -> None:
    # Nautilus fills a market order at the submission bar's close, Backtrader's this_close (ADR
    # 0019): equal fills, and the native engine's recorded settings are no config difference.
    result = parity(
        "--engines", "backtrader,nautilus-native", "--fill-policy", "this_close", "--no-record"
    )
    assert result.exit_code == 0, result.output
    assert "PARITY BREACHED" not in result.stdout
    latency = parity(
        "--engines", "backtrader,nautilus-native", "--fill-policy", "this_close", "--no-record",
        "--latency-ms", "10",
    )
    assert latency.exit_code == 1, latency.output  # 10 ms moves every fill a bar: measured
    assert "Fill by fill: 32 paired" in latency.stdout
