"""`finbot pilot evaluate`: the report's files, its criteria table, and bad input (exit 2)."""

from __future__ import annotations

from pathlib import Path

from sample_data import SAMPLES_DIR
from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app

runner = CliRunner()


def test_missing_sample_files_are_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pilot", "evaluate", "--samples", str(tmp_path), "--offline"])
    assert result.exit_code == EXIT_USAGE
    assert str(tmp_path) in result.output and "orcl-1995-2014.txt" in result.output


def test_too_few_bars_are_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pilot", "evaluate", "--bars", "10", "-o", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE and "--bars must be >= 200" in result.output


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
