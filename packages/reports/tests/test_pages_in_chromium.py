"""Pages rendered in a real headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

Each page must log no console error, make no network request, draw SVG in every chart, and
screenshot to something that is not a blank page.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from reports_fixtures import market, run, trading_days

from finbot.reports import (
    MAX_POINTS,
    CohortRun,
    EngineComparison,
    check_page,
    cohort_page,
    export_png,
    gap_bp,
    parity_page,
    tear_sheet,
    varying_params,
    walk_forward_folds,
)


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


def test_parity_page_renders_and_highlights_the_first_divergence(tmp_path: Path) -> None:
    data = market(trading_days(date(2023, 1, 2), 120))
    base = run(data, every=10, engine="left")
    other = run(data, every=10, engine="right", price_shift=0.0)
    # the other engine fills from the 4th fill on a cent higher: first divergence at #3
    shifted = tuple(
        f if i < 3 else type(f)(f.order_id, f.instrument_id, f.side, f.quantity, f.price + 0.01,
                                f.commission, f.slippage, f.ts_ns)
        for i, f in enumerate(other.fills)
    )
    other = other.model_copy(update={"fills": shifted})
    page = parity_page([EngineComparison(base, other, first_fill_divergence=3,
                                         breaches=("fill #3 price differs",))])
    html = page.render()
    assert html.count('<tr class="highlight">') == 1
    row = html.split('<tr class="highlight">')[1].split("</tr>")[0]
    assert row.startswith("<td class=num>3</td>")
    assert page.chart_names == ("equity_0", "gap_0")
    assert_renders(page.write(tmp_path / "parity.html"), page.chart_names)


def test_gap_bp_is_measured_on_shared_steps() -> None:
    data = market(trading_days(date(2023, 1, 2), 30))
    base = run(data, every=5)
    curve = base.equity_curve
    bumped = curve.model_copy(update={"equity": tuple(v * 1.0001 for v in curve.equity)})
    other = base.model_copy(update={"equity_curve": bumped})
    ts, gaps = gap_bp(base, other)
    assert ts == list(curve.ts_ns)
    assert gaps == [pytest.approx(1.0)] * len(gaps)  # 0.01% = 1 bp everywhere


def test_cohort_page_of_a_sweep_renders_with_scatter_and_heatmap(tmp_path: Path) -> None:
    data = market(trading_days(date(2022, 1, 3), 260))
    runs = []
    for every in (5, 10, 20):
        for cash in (50_000.0, 100_000.0):
            result = run(data, every=every, cash=cash)
            params = {"every": every, "cash": cash, "label": "x"}
            config = result.config.model_copy(
                update={"strategy": result.config.strategy.model_copy(update={"params": params})}
            )
            runs.append(CohortRun(f"run-{every}-{cash:g}", result.model_copy(
                update={"config": config}), tags=("sweep",)))
    assert varying_params(runs) == ["every", "cash"]
    page = cohort_page(runs)
    assert page.chart_names == ("overlay", "scatter_every", "scatter_cash", "heatmap")
    assert_renders(page.write(tmp_path / "cohort.html"), page.chart_names)


def test_cohort_page_of_a_walk_forward_lays_out_its_folds(tmp_path: Path) -> None:
    def windowed(result, days, tags):  # type: ignore[no-untyped-def]
        config = result.config.model_copy(update={"start": days[0], "end": days[-1]})
        return CohortRun(f"r{len(runs)}", result.model_copy(update={"config": config}), tags)

    runs: list[CohortRun] = []
    tested = []
    for fold, first in enumerate((date(2022, 1, 3), date(2022, 7, 1))):
        train = trading_days(first, 100)
        test = trading_days(train[-1] + timedelta(days=3), 60)
        for every in (5, 10):
            runs.append(windowed(run(market(train), every=every), train,
                                 ("walkforward:w1", f"fold:{fold}:train")))
        oos = run(market(test, seed=fold), every=10)
        tested.append(oos)
        runs.append(windowed(oos, test, ("walkforward:w1", f"fold:{fold}:test")))
    folds = walk_forward_folds(runs)
    assert [(f.index, len(f.training)) for f in folds] == [(0, 2), (1, 2)]
    assert folds[1].train_window == (date(2022, 7, 1), trading_days(date(2022, 7, 1), 100)[-1])
    assert [f.out_of_sample.label for f in folds] == ["r2", "r5"]  # type: ignore[union-attr]
    # Stitched: the out-of-sample runs' growth compounded fold after fold.
    growth = [r.metrics.final_equity / r.metrics.starting_equity for r in tested]
    assert [f.growth for f in folds] == [pytest.approx(growth[0]),
                                         pytest.approx(growth[0] * growth[1])]
    page = cohort_page(runs)
    assert page.chart_names[0] == "overlay" and page.chart_names[-1] == "folds"
    assert "Walk-forward folds" in page.render()
    assert_renders(page.write(tmp_path / "walkforward.html"), page.chart_names)


def test_two_hundred_runs_stay_within_the_drawing_budget() -> None:
    data = market(trading_days(date(2014, 1, 1), 2_520))
    base = run(data, every=30)
    runs = [CohortRun(f"r{i:03d}", base) for i in range(200)]
    fig_json = cohort_page(runs).render()
    # 200 lines of 2,520 points each would be 504,000 x values; each run gets 500 at most
    assert fig_json.count('"name":"r') == 200
    from finbot.reports._cohort_page import OVERLAY_BUDGET, _overlay

    figure = _overlay(runs)
    drawn = sum(len(trace["x"]) for trace in figure["data"])
    assert drawn <= OVERLAY_BUDGET + 200
