"""A batch run's key: what decides its result, hashed, so a rerun batch can skip finished runs.

The key is the resolved config (strategy id, full parameters, dataset snapshot, window, costs,
engine id), the sha256 of the strategy's source file and the engine's version. Equal keys give equal
results (runs are deterministic), so a run whose key already succeeded need not run again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as metadata
import inspect
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from finbot.contracts import RunConfig, Strategy, canonical_json

from . import _wiring


@functools.cache
def engine_version(name: str) -> str:
    """The adapter distribution's version and its engine SDK's: ``backtrader 1.9; finbot-... 0.1``.

    Unknown or uninstalled distributions read as ``?``: the key then still separates engines.
    """
    entry = _wiring.ENGINES.get(name)
    if entry is None:
        return f"{name} ?"
    dist = entry[1]
    try:
        parts = [f"{dist} {metadata.version(dist)}"]
        requirements = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return f"{dist} ?"
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None or req.name.startswith("finbot-"):
            continue
        try:
            parts.append(f"{req.name} {metadata.version(req.name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{req.name} ?")
    return "; ".join(sorted(parts))


_SOURCE_SHA256: dict[type[Strategy], str | None] = {}


def strategy_source_sha256(cls: type[Strategy]) -> str | None:
    """sha256 of the file the strategy class is defined in (None for a class without a file)."""
    if cls not in _SOURCE_SHA256:
        try:
            found = inspect.getsourcefile(cls)
        except (TypeError, OSError):
            found = None
        path = Path(found) if found else None
        _SOURCE_SHA256[cls] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None
        )
    return _SOURCE_SHA256[cls]


def run_key(resolved: RunConfig, strategy_cls: type[Strategy]) -> str:
    """The run key of a resolved config (see the module docstring)."""
    payload = {
        "config": resolved.config_hash(),
        "strategy_source": strategy_source_sha256(strategy_cls),
        "engine": engine_version(resolved.engine),
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
