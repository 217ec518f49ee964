"""`finbot pilot evaluate` end to end and its static measures of the installed engines.

They need Backtrader and NautilusTrader installed, so they live here, not in an isolated package.
"""

from __future__ import annotations

from pathlib import Path

from sample_data import SAMPLES_DIR
from typer.testing import CliRunner

from finbot.app._pilot_install import Releases, adapter_size, footprint, import_surface, releases
from finbot.cli import app

runner = CliRunner()


def test_static_measures_of_the_installed_engines() -> None:
    bt = footprint("backtrader")
    assert bt.distributions == ("backtrader",) and bt.size_bytes > 100_000
    nt = footprint("nautilus_trader")
    # pulled in by nautilus_trader alone; pydantic, numpy, pandas are shared with finbot
    assert "nautilus-trader" in nt.distributions and "pandas" not in nt.distributions
    assert adapter_size("finbot.engine_nautilus").lines > adapter_size("finbot.engine_sim").lines
    surface = import_surface("finbot.engine_nautilus", "nautilus_trader")
    assert "nautilus_trader.backtest.engine.BacktestEngine" in surface
    assert all(name.startswith("nautilus_trader") for name in surface)


def test_release_check_offline_and_python_support() -> None:
    offline = releases(online=False)
    assert offline.latest is None and offline.error and "offline" in offline.error
    assert offline.latest_supports("3.11") is None
    newer = Releases("1.0", None, "1.5", ">=3.12", 5, ())
    assert newer.latest_supports("3.11") is False and newer.latest_supports("3.12") is True


def test_quick_evaluation_writes_both_reports(tmp_path: Path) -> None:
    out = tmp_path / "pilot"
    args = ["pilot", "evaluate", "--quick", "--offline", "--bars", "300", "--repeat", "1"]
    result = runner.invoke(app, [*args, "--samples", str(SAMPLES_DIR), "-o", str(out)])
    assert result.exit_code == 0, result.output
    markdown = (out / "pilot-report.md").read_text()
    page = (out / "pilot-report.html").read_text()
    for code in ("M1", "M2", "M3", "M4", "S1", "S2", "S3", "S4", "S5", "S6", "S7"):
        assert f"| {code} |" in markdown and f"<td>{code}</td>" in page
    assert "## Decision: **none (quick run)**" in markdown
    # offline: the release half of S7 is not measured, which the rule counts as failed
    assert "| S7 | should |" in markdown and "not measured" in markdown
    # every engine ran the golden case under both policies, against Backtrader
    for engine in ("backtrader", "nautilus-native", "sim", "paper"):
        assert f"| sma_crossover / golden | next_open | {engine} | 32 |" in markdown
    assert "| sma_crossover / golden | 1 bar |" in markdown
    assert page.startswith("<!doctype html>") and "<script" not in page
