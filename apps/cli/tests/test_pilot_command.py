"""`finbot pilot evaluate`: the report's files, its criteria table, and bad input (exit 2)."""

from __future__ import annotations

from pathlib import Path

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
