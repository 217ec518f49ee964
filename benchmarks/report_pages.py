"""Report pages at scale: a 10-year daily tear sheet and a 200-run cohort page.

Prints build time, page size and the time headless Chromium takes to load and draw each page, with
lines thinned (finbot's default) and, as the same-run baseline, drawn whole; the ratio is what
thinning buys. Run: ``uv run python benchmarks/report_pages.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages/reports/tests"))

from reports_fixtures import market, run, trading_days

import finbot.reports._cohort_page as cohort_module
import finbot.reports._downsample as downsample
from finbot.reports import CohortRun, check_page, cohort_page, tear_sheet


def measure(label: str, build, folder: Path) -> float:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    page = build()
    path = page.write(folder / f"{label}.html")
    built = time.perf_counter() - began
    began = time.perf_counter()
    check = check_page(path)
    shown = time.perf_counter() - began
    assert not check.console_errors and not check.page_errors
    size = path.stat().st_size / 1e6
    print(f"{label:<28} build {built:6.2f} s   {size:6.1f} MB   Chromium load+draw {shown:6.2f} s")
    return shown


def main() -> None:
    from finbot.reports import Page

    with tempfile.TemporaryDirectory() as tmp:
        launch = measure("empty page (browser launch)", lambda: Page("empty"), Path(tmp))
    data = market(trading_days(date(2014, 1, 1), 2_520), ("AAA", "BBB"))
    result = run(data, every=10)
    runs = [CohortRun(f"r{i:03d}", result) for i in range(200)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pages = {
            "tear sheet, 10y daily": lambda: tear_sheet(result, data),
            "cohort, 200 runs x 10y": lambda: cohort_page(runs),
        }
        for label, build in pages.items():
            thinned = measure(label + " (thinned)", build, folder)
            # Baseline in the same run: nothing thinned.
            saved = (downsample.MAX_POINTS, cohort_module.MAX_POINTS, cohort_module.OVERLAY_BUDGET)
            downsample.MAX_POINTS = cohort_module.MAX_POINTS = 10**9
            cohort_module.OVERLAY_BUDGET = 10**9
            try:
                whole = measure(label + " (whole)", build, folder)
            finally:
                (downsample.MAX_POINTS, cohort_module.MAX_POINTS,
                 cohort_module.OVERLAY_BUDGET) = saved
            ratio = (thinned - launch) / (whole - launch)
            print(f"{'':<28} thinned/whole load+draw time after launch: {ratio:.2f}")


if __name__ == "__main__":
    main()
