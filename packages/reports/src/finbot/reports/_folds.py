"""Walk-forward folds on the cohort page: a row per fold and the stitched out-of-sample curve.

A walk-forward over several datasets and engines has folds per (dataset, engine) pair: each pair's
folds are laid out and stitched on their own (a run's pair is its config's dataset and engine).
An out-of-sample run that starts with warm-up sessions is tagged with its test window; its
figures here cover that window only, as ``finbot walkforward`` scores it (ADR 0031).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from finbot.contracts import WindowFigures, format_metric, to_ns, window_figures

from ._downsample import MAX_POINTS, thin

if TYPE_CHECKING:
    from ._cohort_page import CohortRun
    from ._page import Page

# How `finbot walkforward` tags each recorded run: its fold and whether it trained or tested.
FOLD_TAG = re.compile(r"fold:(\d+):(train|test)")
WALKFORWARD_TAG = "walkforward:"
# The test window an out-of-sample run is scored on, when its run starts earlier (warm-up).
TEST_WINDOW_TAG = re.compile(r"test-window:(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class FoldRow:
    """One walk-forward fold as the cohort shows it."""

    index: int
    training: tuple[CohortRun, ...]
    out_of_sample: CohortRun | None
    growth: float | None  # growth of 1 over the pair's out-of-sample runs up to this fold's end
    dataset: str = ""
    engine: str = ""
    walk_forward: str = ""  # the walk-forward's tag (walkforward:ID); "" if untagged
    # The out-of-sample run's figures over its test window (its whole run when it has no
    # test-window tag), and that window (None: the run's configured window).
    scored: WindowFigures | None = None
    test_window: tuple[date, date] | None = None

    @property
    def pair(self) -> tuple[str, str, str]:
        """The walk-forward, dataset and engine whose fold this is."""
        return self.walk_forward, self.dataset, self.engine

    @property
    def train_window(self) -> tuple[date | None, date | None]:
        """First and last session of the training runs (their configured window)."""
        starts = [r.result.config.start for r in self.training if r.result.config.start]
        ends = [r.result.config.end for r in self.training if r.result.config.end]
        return (min(starts) if starts else None, max(ends) if ends else None)


def fold_of(run: CohortRun) -> tuple[int, str] | None:
    """The run's fold index and role (``train`` or ``test``), from its tags; None if neither."""
    for tag in run.tags:
        found = FOLD_TAG.fullmatch(tag)
        if found:
            return int(found.group(1)), found.group(2)
    return None


def scored_window_of(run: CohortRun) -> tuple[date, date] | None:
    """The test window an out-of-sample run is scored on, from its tag; None if untagged."""
    for tag in run.tags:
        found = TEST_WINDOW_TAG.fullmatch(tag)
        if found:
            return date.fromisoformat(found.group(1)), date.fromisoformat(found.group(2))
    return None


def _pair(run: CohortRun) -> tuple[str, str, str]:
    """The walk-forward, dataset and engine a fold run belongs to."""
    walk = next((t for t in run.tags if t.startswith(WALKFORWARD_TAG)), "")
    return walk, run.result.config.dataset.name, run.result.config.engine


def walk_forward_folds(runs: Sequence[CohortRun]) -> list[FoldRow]:
    """The folds among ``runs`` (by their ``fold:K:train|test`` tags), pair after pair.

    A pair is a walk-forward's dataset and engine (in order of first appearance); its folds
    come in fold order. ``growth`` compounds the pair's out-of-sample runs' returns over their
    test windows (final / starting equity) fold after fold, as `finbot walkforward` stitches its
    out-of-sample equity.
    """
    by_pair: dict[tuple[str, str, str], dict[int, dict[str, list[CohortRun]]]] = {}
    for run in runs:
        found = fold_of(run)
        if found is not None:
            by_fold = by_pair.setdefault(_pair(run), {})
            by_fold.setdefault(found[0], {"train": [], "test": []})[found[1]].append(run)
    rows = []
    for (walk, dataset, engine), by_fold in by_pair.items():
        growth = 1.0
        for index in sorted(by_fold):
            tests = by_fold[index]["test"]
            oos = tests[0] if tests else None
            scored = window = None
            if oos is not None:
                window = scored_window_of(oos)
                scored = window_figures(oos.result, to_ns(window[0]) if window else None)
                growth *= scored.metrics.final_equity / scored.starting_equity
            rows.append(FoldRow(index, tuple(by_fold[index]["train"]), oos,
                                growth if oos is not None else None, dataset, engine, walk,
                                scored, window))
    return rows


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def add_folds(page: Page, runs: Sequence[CohortRun]) -> None:
    """A walk-forward section (table and stitched curve) when ``runs`` hold folds; else nothing.

    With folds of several pairs (datasets, engines or walk-forwards), the table names each
    fold's dataset and engine, and each pair's out-of-sample curve is stitched on its own.
    """
    folds = walk_forward_folds(runs)
    if not folds:
        return
    several = len({f.pair for f in folds}) > 1
    page.heading("Walk-forward folds")
    rows = []
    for f in folds:
        oos, scored = f.out_of_sample, f.scored
        best = max((r.result.metrics.sharpe for r in f.training
                    if r.result.metrics.sharpe is not None), default=None)
        params = oos.result.config.strategy.params if oos else {}
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "-"
        rows.append((
            *((f.dataset, f.engine) if several else ()),
            str(f.index),
            " .. ".join(_day(d) for d in f.train_window),
            str(len(f.training)),
            format_metric("sharpe", best),
            oos.label if oos else "(none)",
            _test_window(f),
            shown,
            format_metric("total_return", scored.metrics.total_return) if scored else "-",
            format_metric("sharpe", scored.metrics.sharpe) if scored else "-",
            format_metric("total_return", f.growth - 1) if f.growth is not None else "-",
        ))
    page.table(
        (*(("Dataset", "Engine") if several else ()),
         "Fold", "Train window", "Training runs", "Best IS Sharpe", "OOS run", "Test window",
         "Parameters", "OOS return", "OOS Sharpe", "Stitched return"),
        rows,
        numeric=(*((False, False) if several else ()),
                 True, False, True, True, False, False, False, True, True, True),
        caption="Training runs shown are those in this comparison; the OOS run is the fold's "
        "winner on its test window (a run started earlier to warm up is measured from the test "
        "window's first session; 'held' = it entered the window holding a position); stitched "
        "return compounds the OOS runs fold after fold"
        + (", per dataset and engine" if several else ""),
    )
    tested = [f for f in folds if f.out_of_sample is not None]
    if tested:
        page.chart("folds", _stitched(tested, several))


def _test_window(fold: FoldRow) -> str:
    """The fold's test window, the run's first session when it warmed up, and ``held``."""
    oos = fold.out_of_sample
    if oos is None:
        return "-"
    config = oos.result.config
    if fold.test_window is None:
        return _day(config.start) + " .. " + _day(config.end)
    shown = " .. ".join(_day(d) for d in fold.test_window)
    if config.start is not None and config.start < fold.test_window[0]:
        shown += f" (warm-up from {_day(config.start)})"
    return shown + (", held" if fold.scored and fold.scored.open_at_start else "")


def _stitched(folds: Sequence[FoldRow], several: bool) -> dict[str, Any]:
    per_fold = max(200, MAX_POINTS // len(folds))
    traces, levels = [], dict.fromkeys((f.pair for f in folds), 1.0)
    for f in folds:
        assert f.out_of_sample is not None and f.scored is not None
        start, curve = f.scored.starting_equity, f.scored.curve
        level = levels[f.pair]
        x, y = thin(curve.ts_ns, [level * v / start for v in curve.equity], per_fold)
        where = f"{f.dataset} on {f.engine}, " if several else ""
        traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines",
                       "name": f"{where}fold {f.index}: {f.out_of_sample.label}",
                       "legendgroup": "|".join(f.pair)})
        levels[f.pair] = level * f.scored.metrics.final_equity / start
    title = "growth of 1, fold after fold" + (", per dataset and engine" if several else "")
    layout = {"title": {"text": f"Out of sample, stitched: {title}"}, "hovermode": "closest"}
    return {"data": traces, "layout": layout}
