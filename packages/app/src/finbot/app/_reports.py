"""Report use cases: the HTML page (and chart PNGs) of a run, a parity check or recorded runs.

The pages themselves are ``finbot.reports``; this module finds what each needs (the registry's
result and pinned data, a parity run's results) and writes the files. ADR 0016.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from finbot.contracts import BacktestResult, ConfigError, MarketData

from ._recording import open_registry

if TYPE_CHECKING:
    from finbot.registry import RunRecord
    from finbot.reports import Page

    from ._parity import ParityRun


def check_report_path(path: Path | None, *, option: str = "--report") -> None:
    """Refuse a report file that cannot be written, before any run starts.

    Raises:
        ConfigError: ``path`` is a directory, its folder does not exist or is not writable.
    """
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a directory; give an .html file name")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{option} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{option} {path}: folder {folder} is not writable")


def write_page(page: Page, path: Path, *, png_dir: Path | None = None) -> list[Path]:
    """Write ``page`` to ``path`` and, with ``png_dir``, each chart as ``png_dir/NAME.png``.

    Returns:
        The files written, the page first.

    Raises:
        BrowserNotFoundError: ``png_dir`` was given and no Chromium is installed (a ConfigError).
    """
    from finbot.reports import export_png

    written = [page.write(path)]
    if png_dir is not None:
        written.extend(export_png(path, png_dir))
    return written


def report_result(
    result: BacktestResult,
    path: Path,
    *,
    market: MarketData | None = None,
    run_id: str | None = None,
    png_dir: Path | None = None,
) -> list[Path]:
    """Write the tear sheet of ``result`` (``market``: the data the run saw, for the benchmark)."""
    from finbot.reports import tear_sheet

    return write_page(tear_sheet(result, market, run_id=run_id), path, png_dir=png_dir)


def report_recorded(
    location: str | None, run_id: str, path: Path | None, *, png_dir: Path | None = None
) -> list[Path]:
    """Write the tear sheet of a recorded run from its stored result and pinned data.

    ``path`` defaults to ``report-<run id>.html`` in the current directory.

    Raises:
        RunNotFoundError: No run has that id (or the prefix is ambiguous).
        RunStateError: The run did not finish (no result) or has no pinned data.
    """
    with open_registry(location, create=False) as registry:
        record = registry.get(run_id)
        result = registry.load_result(record.run_id)
        market = registry.run_snapshot(record.run_id)
    target = path if path is not None else Path(f"report-{record.run_id}.html")
    check_report_path(target, option="--output")
    return report_result(result, target, market=market, run_id=record.run_id, png_dir=png_dir)


def report_parity(
    runs: Sequence[ParityRun], tolerance: str, path: Path, *, png_dir: Path | None = None
) -> list[Path]:
    """Write the parity page: every engine against the baseline, for each fill policy run."""
    from finbot.reports import EngineComparison, parity_page

    comparisons = [
        EngineComparison(
            baseline=run.results[0],
            other=other,
            first_fill_divergence=(
                report.first_fill_divergence.index if report.first_fill_divergence else None
            ),
            breaches=report.breaches,
            tolerance=tolerance,
        )
        for run in runs
        for other, report in zip(run.results[1:], run.reports, strict=True)
    ]
    return write_page(parity_page(comparisons), path, png_dir=png_dir)


def report_cohort(
    location: str | None,
    records: Sequence[RunRecord],
    path: Path,
    *,
    png_dir: Path | None = None,
) -> list[Path]:
    """Write the page comparing recorded runs (finished ones; others have no result).

    Raises:
        ConfigError: Fewer than two of ``records`` finished.
    """
    from finbot.reports import CohortRun, cohort_page

    finished = [r for r in records if r.result_hash is not None]
    if len(finished) < 2:
        raise ConfigError(
            f"a comparison page needs two or more finished runs; {len(finished)} of "
            f"{len(records)} selected finished"
        )
    with open_registry(location, create=False) as registry:
        runs = [
            CohortRun(r.run_id, registry.load_result(r.run_id), tuple(r.tags)) for r in finished
        ]
    return write_page(cohort_page(runs), path, png_dir=png_dir)
