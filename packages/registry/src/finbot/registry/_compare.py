"""Side-by-side comparison of runs: the config keys that differ and every metric."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._diff import flatten
from ._record import RunRecord


@dataclass(frozen=True)
class Comparison:
    """Rows of (label, one value per run) for the runs in ``run_ids`` order."""

    run_ids: tuple[str, ...]
    identity: tuple[tuple[str, tuple[Any, ...]], ...]
    config: tuple[tuple[str, tuple[Any, ...]], ...]
    metrics: tuple[tuple[str, tuple[Any, ...]], ...]


def compare_runs(records: Sequence[RunRecord], *, all_config: bool = False) -> Comparison:
    """Compare runs; config rows are limited to keys whose values differ unless ``all_config``."""
    configs = [flatten(json.loads(r.config_json)) for r in records]
    keys = sorted(set().union(*configs)) if configs else []
    config_rows = []
    for key in keys:
        values = tuple(c.get(key) for c in configs)
        if all_config or len({json.dumps(v, sort_keys=True) for v in values}) > 1:
            config_rows.append((key, values))
    identity = (
        ("status", tuple(r.status.value for r in records)),
        ("started_at", tuple(r.started_at for r in records)),
        ("strategy", tuple(r.strategy.id for r in records)),
        ("strategy source sha256", tuple(r.strategy.source_sha256 for r in records)),
        ("engine", tuple(
            f"{r.engine.name} {r.engine.version}" if r.engine else r.engine_name for r in records
        )),
        ("config hash", tuple(r.config_hash for r in records)),
        ("data snapshot", tuple(r.data_snapshot_id for r in records)),
        ("result hash", tuple(r.result_hash for r in records)),
        ("git commit", tuple(r.environment.git_commit for r in records)),
    )
    metric_names: list[str] = []
    for r in records:
        for name in r.metrics or {}:
            if name not in metric_names:
                metric_names.append(name)
    metrics = tuple(
        (name, tuple((r.metrics or {}).get(name) for r in records)) for name in metric_names
    )
    return Comparison(
        run_ids=tuple(r.run_id for r in records),
        identity=identity,
        config=tuple(config_rows),
        metrics=metrics,
    )
