"""A walk-forward report: per (dataset, engine) pair its folds, OOS equity and summary."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ._batch_report import BatchReport, RunRow, outcome_record, params_record
from ._search_stats import SESSIONS_PER_YEAR
from ._walkforward_windows import Fold

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class FoldResult:
    """A fold's winner in sample and how it did out of sample.

    The out-of-sample run started ``warmup_sessions`` sessions before the test window (on
    ``run_start``); its figures (``out_of_sample``'s metrics and daily returns) cover the test
    window only. ``open_at_test_start``: it held a position opened on a warm-up bar.
    """

    fold: Fold
    winner: RunRow | None
    out_of_sample: RunRow | None
    statistics: dict[str, Any]
    run_start: date | None = None  # the first session of the out-of-sample run (None: no run)
    warmup_sessions: int = 0

    @property
    def open_at_test_start(self) -> bool | None:
        """True when the out-of-sample run held a position as the test window began."""
        return self.out_of_sample.open_at_start if self.out_of_sample else None

    def to_payload(self) -> dict[str, Any]:
        """The fold as JSON-ready values."""
        return {
            "fold": self.fold.index,
            "train": [d.isoformat() for d in self.fold.train],
            "test": [d.isoformat() for d in self.fold.test],
            "winner": self.winner.to_payload() if self.winner else None,
            "out_of_sample": self.out_of_sample.to_payload() if self.out_of_sample else None,
            "warmup_sessions": self.warmup_sessions,
            "oos_run_start": self.run_start.isoformat() if self.run_start else None,
            "open_at_test_start": self.open_at_test_start,
            "statistics": self.statistics,
        }


def stitch(folds: Sequence[FoldResult], cash: float) -> tuple[tuple[date, float], ...]:
    """The out-of-sample daily returns of the folds compounded from ``cash``, fold after fold."""
    equity, points = cash, []
    for f in folds:
        if f.out_of_sample is None:
            continue
        for day, r in zip(f.out_of_sample.days, f.out_of_sample.daily_returns, strict=True):
            equity *= 1 + r
            points.append((day, equity))
    return tuple(points)


@dataclass(frozen=True, slots=True)
class PairWalkForward:
    """The walk-forward of one dataset on one engine: its folds and stitched OOS equity."""

    dataset: str
    engine: str
    folds: tuple[FoldResult, ...]
    equity: tuple[tuple[date, float], ...]

    @property
    def oos_returns(self) -> list[float]:
        """Daily out-of-sample returns, fold after fold."""
        return [r for f in self.folds if f.out_of_sample for r in f.out_of_sample.daily_returns]

    def summary(self) -> dict[str, Any]:
        """Total return, annualized Sharpe ratio and mean PBO of the walk-forward."""
        returns = self.oos_returns
        total = math.prod(1 + r for r in returns) - 1 if returns else None
        sharpe = None
        if len(returns) > 2 and statistics.stdev(returns) > 0:
            sharpe = statistics.fmean(returns) / statistics.stdev(returns) * math.sqrt(
                SESSIONS_PER_YEAR
            )
        pbos = _pbos(self.folds)
        return {
            "oos_total_return": total,
            "oos_sharpe": sharpe,
            "oos_days": len(returns),
            "mean_pbo": statistics.fmean(pbos) if pbos else None,
        }

    def to_payload(self) -> dict[str, Any]:
        """The pair's report as JSON-ready values."""
        return {
            "dataset": self.dataset,
            "engine": self.engine,
            "summary": self.summary(),
            "folds": [f.to_payload() for f in self.folds],
            "equity": [[d.isoformat(), v] for d, v in self.equity],
        }


def _pbos(folds: Sequence[FoldResult]) -> list[float]:
    return [f.statistics["pbo"]["pbo"] for f in folds if "pbo" in f.statistics]


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


@dataclass(frozen=True, slots=True)
class WalkForwardReport:
    """Every (dataset, engine) pair's walk-forward, and the two batches that ran them."""

    metric: str
    pairs: tuple[PairWalkForward, ...]
    training: BatchReport  # every pair's every fold's training grid
    testing: BatchReport  # every fold's winner on its test window
    tag: str | None = None  # every recorded run's tag (`runs compare --tag` shows the folds)

    @property
    def folds(self) -> tuple[FoldResult, ...]:
        """Every pair's folds, pair after pair."""
        return tuple(f for p in self.pairs for f in p.folds)

    def pair(self, dataset: str, engine: str) -> PairWalkForward:
        """The walk-forward of ``dataset`` on ``engine``.

        Raises:
            KeyError: No such pair.
        """
        for p in self.pairs:
            if (p.dataset, p.engine) == (dataset, engine):
                return p
        raise KeyError(f"no walk-forward of {dataset!r} on {engine!r}")

    def cross_pair_summary(self) -> dict[str, Any]:
        """The pairs side by side: their OOS Sharpe and return, mean PBO, engine agreement.

        ``engine_agreement`` is the share of (dataset, fold)s run on several engines whose
        winners have the same parameters on every engine (None when no dataset has two engines).
        """
        summaries = [p.summary() for p in self.pairs]
        sharpes = [s["oos_sharpe"] for s in summaries if s["oos_sharpe"] is not None]
        totals = [s["oos_total_return"] for s in summaries]
        picks: dict[tuple[str, int], set[str | None]] = {}
        for p in self.pairs:
            for f in p.folds:
                won = json.dumps(dict(f.winner.params), sort_keys=True) if f.winner else None
                picks.setdefault((p.dataset, f.fold.index), set()).add(won)
        engines = {d: sum(1 for p in self.pairs if p.dataset == d) for d in {p.dataset for p in
                                                                          self.pairs}}
        shared = [won for (d, _), won in picks.items() if engines[d] > 1]
        return {
            "pairs": len(self.pairs),
            "profitable_pairs": sum(1 for t in totals if t is not None and t > 0),
            "mean_oos_total_return": _mean(totals),
            "mean_oos_sharpe": _mean(sharpes),
            "min_oos_sharpe": min(sharpes) if sharpes else None,
            "max_oos_sharpe": max(sharpes) if sharpes else None,
            "mean_pbo": _mean(_pbos(self.folds)),
            "engine_agreement": (
                sum(1 for won in shared if len(won) == 1 and None not in won) / len(shared)
                if shared else None
            ),
        }

    def fold_frame(self) -> pd.DataFrame:
        """Every fold of every pair as a pandas DataFrame, one row per fold (pandas loaded here).

        Columns: ``dataset``, ``engine``, ``fold``, the training and test windows (first and last
        session), the out-of-sample run's warm-up (``warmup_sessions``, ``oos_run_start``,
        ``open_at_test_start``), the winner's parameters, its in-sample value of the metric
        (``train_<metric>``), the fold's ``dsr`` and ``pbo`` (None when too few runs finished),
        then the out-of-sample run's ``status``, ``attempts``, ``failure``, ``error``,
        ``seconds``, ``run_id`` and every metric over the test window (None where no winner ran).
        metric (None where no winner ran).
        """
        import pandas as pd

        return pd.DataFrame.from_records(
            [_fold_record(p, f, self.metric) for p in self.pairs for f in p.folds]
        )

    def to_payload(self) -> dict[str, Any]:
        """The machine-readable report: every pair, the cross-pair summary.

        With one pair its ``summary``, ``folds`` and ``equity`` are also at the top, as they
        were before walk-forwards took several pairs.
        """
        payload: dict[str, Any] = {
            "metric": self.metric,
            "tag": self.tag,
            "training_batch_id": self.training.batch_id,
            "testing_batch_id": self.testing.batch_id,
            "pairs": [p.to_payload() for p in self.pairs],
            "cross_pair": self.cross_pair_summary(),
        }
        if len(self.pairs) == 1:
            only = payload["pairs"][0]
            payload |= {"summary": only["summary"], "folds": only["folds"],
                        "equity": only["equity"]}
        return payload


def _fold_record(pair: PairWalkForward, result: FoldResult, metric: str) -> dict[str, Any]:
    fold, winner, stats = result.fold, result.winner, result.statistics
    head = {
        "dataset": pair.dataset,
        "engine": pair.engine,
        "fold": fold.index,
        "train_start": fold.train[0],
        "train_end": fold.train[1],
        "test_start": fold.test[0],
        "test_end": fold.test[1],
        "warmup_sessions": result.warmup_sessions,
        "oos_run_start": result.run_start,
        "open_at_test_start": result.open_at_test_start,
    }
    searched = {
        f"train_{metric}": winner.metric(metric) if winner else None,
        "dsr": stats.get("deflated_sharpe", {}).get("dsr"),
        "pbo": stats.get("pbo", {}).get("pbo"),
    }
    outcome = outcome_record(result.out_of_sample)
    params = params_record(winner.params if winner else {}, {*head, *searched, *outcome})
    return {**head, **params, **searched, **outcome}
