"""A walk-forward's (dataset, engine) pairs, each with its folds, and the batches of fold runs.

Each dataset gets its own folds from its own sessions; every engine on it shares them. A fold run
is one of the batch's planned runs (resolved config, run key) moved onto a fold's window: the
datasets stay loaded once, and no fold re-plans or re-reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from finbot.contracts import ConfigError, MarketData, session_date

from ._backtest import data_window
from ._batch_plan import BatchPlan, PlannedRun, WindowKey, window_key
from ._batch_spec import BatchSpecError, WalkForwardSpec
from ._run_key import run_key
from ._walkforward_windows import Fold, walk_forward_windows


@dataclass(frozen=True, slots=True)
class Pair:
    """One (dataset, engine) pair: its grid over the batch's whole window, and its folds."""

    dataset: str
    engine: str
    runs: tuple[PlannedRun, ...]
    folds: tuple[Fold, ...]
    sessions: tuple[date, ...] = ()  # the sessions its folds were cut from

    def warmup_start(self, fold: Fold, warmup: int) -> date:
        """The session ``warmup`` sessions before ``fold``'s test window (at most its first)."""
        first = self.sessions.index(fold.test[0])
        return self.sessions[max(0, first - warmup)]


@dataclass(frozen=True, slots=True)
class FoldJob:
    """One run to make: a pair's grid run moved onto a window, with its fold tags.

    ``scored_from``: the first session its figures cover (a test run's test window, after the
    warm-up sessions its window starts with); None: all of them.
    """

    run: PlannedRun
    window: tuple[date, date]
    tags: tuple[str, ...]
    scored_from: date | None = None


def sessions(window: MarketData) -> list[date]:
    """The distinct UTC session dates with a bar in ``window``, sorted."""
    return sorted({session_date(ts) for series in window for ts in series.ts_ns})


def walk_forward_pairs(plan: BatchPlan) -> list[Pair]:
    """The plan's (dataset, engine) pairs in plan order, each with its dataset's folds.

    Raises:
        BatchSpecError: Every problem at once: an engine listed twice, a dataset listed twice
            (the same data and window) or two datasets under one name (their reports could not
            be told apart), a dataset with too few sessions for the folds (named by its place in
            ``datasets``).
    """
    spec = plan.spec
    wf = spec.walk_forward or WalkForwardSpec()
    problems = [
        f"engines: '{name}' is listed twice; a walk-forward runs each engine once"
        for i, name in enumerate(spec.engines) if name in spec.engines[:i]
    ]
    count = max(1, len(spec.datasets))
    per_dataset = len(plan.runs) // count
    names: dict[str, str] = {}  # dataset name -> where it was first given
    given: dict[WindowKey, str] = {}  # snapshot and window -> where it was first given
    pairs: list[Pair] = []
    for i in range(count):
        where = f"datasets[{i}]" if spec.datasets else "dataset"
        block = plan.runs[i * per_dataset:(i + 1) * per_dataset]
        ref, key = block[0].config.dataset, window_key(block[0].config)
        if key in given:
            problems.append(f"{where}: the same data and window as {given[key]}")
            continue
        if ref.name in names:
            problems.append(
                f"{where}: named '{ref.name}' like {names[ref.name]}; give each dataset its "
                f"own name"
            )
            continue
        names[ref.name], given[key] = where, where
        days = sessions(plan.window(block[0]))
        try:
            folds = walk_forward_windows(days, wf)
        except ConfigError as exc:
            problems.append(f"{where} ('{ref.name}'): {exc}")
            continue
        for engine in dict.fromkeys(r.engine for r in block):
            runs = tuple(r for r in block if r.engine == engine)
            pairs.append(Pair(ref.name, engine, runs, tuple(folds), tuple(days)))
    if problems:
        raise BatchSpecError("walk-forward", problems)
    return pairs


def training_grid(pairs: Sequence[Pair]) -> list[tuple[int, Fold, PlannedRun]]:
    """Every pair's every fold's grid run (pair index, fold, run), in training-batch order."""
    return [
        (i, fold, run) for i, pair in enumerate(pairs) for fold in pair.folds for run in pair.runs
    ]


def fold_plan(plan: BatchPlan, jobs: Sequence[FoldJob]) -> BatchPlan:
    """A batch of ``plan``'s runs moved onto fold windows, numbered in ``jobs`` order.

    Each run keeps its resolved config but for ``start``/``end`` (so its key is what planning
    that window would give); the engine sees only the window's bars.
    """
    runs: list[PlannedRun] = []
    windows: dict[WindowKey, MarketData] = {}
    for index, job in enumerate(jobs):
        config = job.run.config.model_copy(update={"start": job.window[0], "end": job.window[1]})
        key = window_key(config)
        if key not in windows:
            windows[key] = data_window(config, plan.data[config.dataset.snapshot_id or ""])
        runs.append(
            replace(job.run, index=index, key=run_key(config, plan.strategy_cls), config=config,
                    tags=job.tags, scored_from=job.scored_from)
        )
    return replace(plan, runs=tuple(runs), windows=windows)
