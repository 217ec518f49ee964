"""``finbot report``, ``backtest --report`` and ``runs compare --report`` against the fakes.

The pages themselves are tested in finbot-reports (and in Chromium there); here: the right page
reaches the right file, from the right run, and bad report paths fail before any run.
"""

from __future__ import annotations

import re
from pathlib import Path

from finbot_fakes import FakeWiring
from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app
from finbot.reports import check_page

runner = CliRunner()


def _run_id(output: str) -> str:
    match = re.search(r"recorded run (\w{26})", output)
    assert match, output
    return match.group(1)


def test_backtest_report_and_report_of_the_recorded_run(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    page = tmp_path / "run.html"
    result = runner.invoke(app, ["backtest", "--report", str(page)])
    assert result.exit_code == 0, result.output
    run_id = _run_id(result.output)
    html = page.read_text()
    assert f"run {run_id}" in html and "Buy and hold" in html
    # the same run from the registry alone: its stored result and pinned data
    again = tmp_path / "again.html"
    result = runner.invoke(app, ["report", run_id[:10], "-o", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_text() == html
    check = check_page(again)
    assert (check.console_errors, check.page_errors, check.requests) == ((), (), ())
    assert check.charts and all(n > 20 for n in check.charts.values())


def test_report_into_a_missing_folder_fails_before_the_run(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["backtest", "--report", str(tmp_path / "nope" / "r.html")])
    assert result.exit_code == EXIT_USAGE
    assert "does not exist" in result.output
    assert fake_wiring.engine.calls == []


def test_report_of_an_unknown_run_is_a_clear_error(fake_wiring: FakeWiring) -> None:
    assert runner.invoke(app, ["backtest"]).exit_code == 0  # a registry with one run in it
    result = runner.invoke(app, ["report", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"])
    assert result.exit_code != 0
    assert "01ZZZZZZZZZZZZZZZZZZZZZZZZ" in result.output
    assert "Traceback" not in result.output


def test_runs_compare_report_overlays_the_runs(fake_wiring: FakeWiring, tmp_path: Path) -> None:
    ids = []
    for fraction in ("0.5", "0.9"):
        result = runner.invoke(app, ["backtest", "-p", f"fraction={fraction}"])
        assert result.exit_code == 0, result.output
        ids.append(_run_id(result.output))
    page = tmp_path / "cohort.html"
    result = runner.invoke(app, ["runs", "compare", *ids, "--report", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert all(i in html for i in ids)
    assert 'id="chart-overlay"' in html and 'id="chart-scatter_fraction"' in html
