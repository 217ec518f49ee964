"""The overfitting statistics a sweep or walk-forward reports: DSR of its best run, PBO of its grid.

The number of trials behind the deflated Sharpe ratio is what the registry holds for the strategy
on that dataset snapshot (distinct configurations ever recorded, not only this batch's), so a grid
searched in several batches is deflated for all of them.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._batch_report import RunRow, rank
from ._overfitting import deflated_sharpe, probability_of_overfitting

if TYPE_CHECKING:
    from finbot.registry import Registry

SESSIONS_PER_YEAR = 252


def registry_trials(registry: Registry, strategy_id: str, snapshot_id: str) -> list[float]:
    """Per-period Sharpe ratios of each distinct configuration of a strategy on a snapshot.

    A configuration is the recorded config without its engine (one trial run on two engines is
    one trial); runs without a Sharpe ratio count as 0.
    """
    seen: dict[str, float] = {}
    for record in registry.runs(strategy=strategy_id, status="finished"):
        config = json.loads(record.config_json)
        if config.get("dataset", {}).get("snapshot_id") != snapshot_id:
            continue
        config.pop("engine", None)
        sharpe = (record.metrics or {}).get("sharpe")
        key = json.dumps(config, sort_keys=True)
        seen.setdefault(key, (sharpe or 0.0) / math.sqrt(SESSIONS_PER_YEAR))
    return list(seen.values())


def search_statistics(
    rows: Sequence[RunRow], metric: str, trial_sharpes: Sequence[float] = ()
) -> dict[str, Any]:
    """DSR of the best run (by ``metric``) and CSCV PBO over the runs, as JSON-ready values.

    ``trial_sharpes``: per-period Sharpe ratios of every trial on record (the registry's); when
    fewer than the runs here, the runs' own are used.
    """
    done = [r for r in rows if r.metrics is not None and len(r.daily_returns) > 2]
    out: dict[str, Any] = {"warnings": []}
    if len(done) < 2:
        out["warnings"].append("fewer than two finished runs: no DSR or PBO")
        return out
    own = [_per_period_sharpe(r.daily_returns) for r in done]
    trials = list(trial_sharpes) if len(trial_sharpes) >= len(own) else own
    best = rank(done, metric)[0]
    dsr = deflated_sharpe(
        best.daily_returns, trials=len(trials), sharpe_variance=statistics.variance(trials)
    )
    out["deflated_sharpe"] = {
        "dsr": _finite(dsr.dsr),
        "best_run_index": best.index,
        "sharpe_per_period": dsr.sharpe,
        "expected_max_sharpe_per_period": dsr.expected_max_sharpe,
        "trials": dsr.trials,
        "observations": dsr.observations,
        "skew": dsr.skew,
        "kurtosis": dsr.kurtosis,
    }
    lengths = {len(r.daily_returns) for r in done}
    if len(lengths) != 1:
        out["warnings"].append("runs cover different days: no PBO")
        return out
    try:
        matrix = [list(col) for col in zip(*(r.daily_returns for r in done), strict=True)]
        pbo = probability_of_overfitting(matrix)
    except ValueError as exc:
        out["warnings"].append(f"no PBO: {exc}")
        return out
    out["pbo"] = {"pbo": pbo.pbo, "blocks": pbo.blocks, "trials": pbo.trials,
                  "combinations": len(pbo.logits)}
    out["warnings"].extend(pbo.warnings)
    return out


def _per_period_sharpe(returns: Sequence[float]) -> float:
    std = statistics.stdev(returns)
    return statistics.fmean(returns) / std if std > 0 else 0.0


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def batch_statistics(
    rows: Sequence[RunRow], metric: str, registry: Registry | None, strategy_id: str,
    snapshots: dict[str, str],
) -> dict[str, Any]:
    """``search_statistics`` per dataset and engine of a batch (``snapshots``: dataset -> id)."""
    groups = []
    for dataset, engine in sorted({(r.dataset, r.engine) for r in rows}):
        group = [r for r in rows if (r.dataset, r.engine) == (dataset, engine)]
        trials: list[float] = []
        if registry is not None and dataset in snapshots:
            trials = registry_trials(registry, strategy_id, snapshots[dataset])
        groups.append(
            {"dataset": dataset, "engine": engine, **search_statistics(group, metric, trials)}
        )
    return {"groups": groups}
