"""What a stored batch spec says without planning it: each run's labels, and its summary lines.

The plan is datasets x engines x grid combinations, the grid's last parameter varying fastest
(``_batch_plan``); read back from the stored JSON, without loading data or the strategy.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from . import _wiring
from ._grid import MAX_RUNS, expand, grid_size

# A grid of more parameters than this is not searched for the order it was given in.
_MAX_ORDERED_KEYS = 6

Labels = tuple[str, str, dict[str, Any]]  # dataset, engine, grid values


def planned_labels(
    spec: Mapping[str, Any], run_count: int, known: Mapping[int, Labels]
) -> dict[int, Labels]:
    """Each run index's (dataset, engine, grid values) as the spec plans them, when it can tell.

    The plan is datasets x engines x grid combinations, the grid's last parameter varying
    fastest. The spec keeps the grid's parameters in the order given, but batches recorded
    before that kept them sorted by name: the stored order is used when the runs that have a
    record agree with it, else the one other order they all agree with; else no labels.
    """
    grid: dict[str, list[Any]] = spec.get("grid") or {}
    names = [dataset_label(d) for d in datasets(spec)]
    engine_ids = engines(spec)
    size = len(names) * len(engine_ids) * grid_size(grid)
    if spec.get("walk_forward") or size != run_count or size > MAX_RUNS:
        return {}
    if len(grid) > _MAX_ORDERED_KEYS:
        return {}
    fitting: list[dict[int, Labels]] = []
    for order in itertools.permutations(grid):
        combos = expand({k: grid[k] for k in order})
        plan = dict(enumerate(itertools.product(names, engine_ids, combos)))
        if all(plan[i][2] == labels[2] for i, labels in known.items() if i in plan):
            if order == tuple(grid):
                return plan
            if plan not in fitting:
                fitting.append(plan)
    return fitting[0] if len(fitting) == 1 else {}


def strategy(spec: Mapping[str, Any]) -> str:
    """The strategy reference the batch ran (the default one when it named none)."""
    return str(spec.get("strategy") or _wiring.DEFAULT_STRATEGY)


def datasets(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The spec's dataset entries (the default dataset when it named none)."""
    return list(spec.get("datasets") or [{}])


def dataset_label(dataset: Mapping[str, Any]) -> str:
    """A dataset entry as shown: its name or files, and its own window if it has one."""
    paths = dataset.get("paths") or []
    label = str(dataset.get("name") or ", ".join(paths) or _wiring.DEFAULT_DATASET)
    if dataset.get("start") or dataset.get("end"):
        label += f" ({dataset.get('start') or 'start'} .. {dataset.get('end') or 'end'})"
    return label


def engines(spec: Mapping[str, Any]) -> list[str]:
    """The engine ids the batch ran (the default one when it named none)."""
    return list(spec.get("engines") or [_wiring.DEFAULT_ENGINE])


def grid_text(grid: Mapping[str, Sequence[Any]]) -> str:
    """The grid as ``name=a,b; other=c``."""
    if not grid:
        return "-"
    return "; ".join(f"{k}={','.join(map(str, v))}" for k, v in grid.items())


def params_text(params: Mapping[str, Any]) -> str:
    """The fixed parameters as ``name=value, ...``."""
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def execution_text(execution: Mapping[str, Any]) -> str:
    """The execution settings in a few words."""
    parts = [str(execution.get("executor", "local"))]
    for key, label in (
        ("workers", "workers"),
        ("scheduler", "scheduler"),
        ("dask_local", "dask-local"),
        ("timeout_seconds", "timeout s"),
        ("retries", "retries"),
    ):
        if execution.get(key) is not None:
            parts.append(f"{label} {execution[key]}")
    return ", ".join(parts)
