"""Pages rendered in a real headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

Each page must log no console error, make no network request, draw SVG in every chart, and
screenshot to something that is not a blank page.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from reports_fixtures import market, run, trading_days

from finbot.reports import MAX_POINTS, check_page, export_png, tear_sheet


def _variance(png: bytes) -> float:
    return float(ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).var[0])


def assert_renders(path: Path, expected_charts: tuple[str, ...]) -> None:
    check = check_page(path)
    assert check.console_errors == ()
    assert check.page_errors == ()
    assert check.requests == (), "a self-contained page must not touch the network"
    assert tuple(check.charts) == expected_charts
    empty = [name for name, svg in check.charts.items() if svg < 20]
    assert not empty, f"charts without drawn SVG content: {empty}"
    # A blank white page has variance 0; text, lines and a heatmap give thousands.
    assert _variance(check.screenshot) > 100


@pytest.fixture(scope="module")
def two_year_run():  # type: ignore[no-untyped-def]
    data = market(trading_days(date(2022, 1, 3), 504), ("AAA", "BBB"))
    return run(data), data


def test_tear_sheet_renders_in_chromium(tmp_path: Path, two_year_run) -> None:  # type: ignore[no-untyped-def]
    result, data = two_year_run
    page = tear_sheet(result, data, run_id="r-1")
    path = page.write(tmp_path / "report.html")
    assert page.chart_names == (
        "equity", "drawdown", "monthly_returns", "rolling", "trades_AAA", "costs"
    )
    assert_renders(path, page.chart_names)


def test_png_export_writes_one_non_blank_png_per_chart(tmp_path: Path, two_year_run) -> None:  # type: ignore[no-untyped-def]
    result, data = two_year_run
    page = tear_sheet(result, data)
    path = page.write(tmp_path / "report.html")
    files = export_png(path, tmp_path / "png")
    assert [f.stem for f in files] == list(page.chart_names)
    for file in files:
        image = Image.open(file)
        assert image.width > 600 and image.height > 200
        assert _variance(file.read_bytes()) > 50, f"{file.name} looks blank"


def test_ten_years_daily_draws_thinned_lines_from_full_figures(tmp_path: Path) -> None:
    days = trading_days(date(2014, 1, 1), 2_520 * 2)  # 20 years: past the drawing budget
    data = market(days)
    result = run(data, every=40)
    path = tear_sheet(result, data).write(tmp_path / "long.html")
    charts = ("equity", "drawdown", "monthly_returns", "rolling", "trades_AAA", "costs")
    assert_renders(path, charts)
    from playwright.sync_api import sync_playwright

    from finbot.reports import CHROMIUM_FLAGS, find_chromium

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_FLAGS))
        page = browser.new_page()
        page.goto(path.resolve().as_uri())
        drawn = page.evaluate("() => document.getElementById('chart-equity').data"
                              ".map(t => t.x.length)")
        browser.close()
    assert len(result.equity_curve.ts_ns) == 5_040
    assert all(n <= MAX_POINTS + 1 for n in drawn)
    assert min(drawn) > MAX_POINTS // 2
