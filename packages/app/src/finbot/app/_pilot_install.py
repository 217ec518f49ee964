"""The pilot's static measures: install footprint, adapter size, import surface, releases."""

from __future__ import annotations

import ast
import importlib.util
import json
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI_URL = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True, slots=True)
class Footprint:
    """Distributions only ``root`` pulls into an install of finbot, and their size on disk."""

    root: str
    distributions: tuple[str, ...]
    size_bytes: int


@dataclass(frozen=True, slots=True)
class AdapterSize:
    """Source lines of an adapter package (non-blank, not a comment; docstrings count)."""

    package: str
    files: int
    lines: int


@dataclass(frozen=True, slots=True)
class Releases:
    """nautilus_trader as installed against its releases on PyPI (None: not looked up)."""

    installed: str
    installed_requires_python: str | None
    latest: str | None
    latest_requires_python: str | None
    newer_releases: int | None
    major_2_releases: tuple[str, ...] | None
    error: str | None = None

    def latest_supports(self, python: str) -> bool | None:
        if self.latest_requires_python is None:
            return None if self.latest is None else True
        return SpecifierSet(self.latest_requires_python).contains(python)


def _requires(dist: metadata.Distribution) -> Iterable[str]:
    for text in dist.requires or ():
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        yield canonicalize_name(req.name)


def _installed() -> dict[str, metadata.Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}


def _closure(
    roots: Iterable[str], dists: dict[str, metadata.Distribution], skip: set[str]
) -> set[str]:
    seen: set[str] = set()
    todo: list[str] = [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen or name in skip or name not in dists:
            continue
        seen.add(name)
        todo.extend(_requires(dists[name]))
    return seen


def _size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or ():
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def footprint(root: str) -> Footprint:
    """What installing ``root`` adds to the rest of finbot, in bytes on disk.

    The distributions it needs that no other installed finbot package needs (extras left out),
    and their installed files' sizes (bytecode included).
    """
    dists = _installed()
    key = canonicalize_name(root)
    if key not in dists:
        raise LookupError(f"{root} is not installed")
    adapters = {n for n, d in dists.items() if key in set(_requires(d)) and n.startswith("finbot-")}
    finbot = {n for n in dists if n.startswith("finbot")} - adapters
    rest = _closure(finbot, dists, skip={key} | adapters)
    own = sorted(_closure([key], dists, skip=set()) - rest)
    return Footprint(root, tuple(own), sum(_size(dists[n]) for n in own))


def _sources(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"package {package} is not installed")
    return sorted(p for d in spec.submodule_search_locations for p in Path(d).rglob("*.py"))


def adapter_size(package: str) -> AdapterSize:
    """Count an adapter's source lines (without importing it)."""
    files = _sources(package)
    lines = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            lines += bool(stripped) and not stripped.startswith("#")
    return AdapterSize(package, len(files), lines)


def import_surface(package: str, sdk: str) -> tuple[str, ...]:
    """Every ``sdk`` name the package's modules import (``module.name``), parsed, not imported."""
    names: set[str] = set()
    for path in _sources(package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == sdk:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names if a.name.split(".")[0] == sdk)
    return tuple(sorted(names))


def releases(
    name: str = "nautilus_trader", *, online: bool = True, timeout: float = 15.0
) -> Releases:
    """The installed version against PyPI's list (one JSON request; ``online=False`` skips it)."""
    dist = metadata.distribution(name)
    installed = dist.version
    requires = dist.metadata["Requires-Python"]
    if not online:
        return Releases(installed, requires, None, None, None, None, "not looked up (--offline)")
    try:
        with urllib.request.urlopen(PYPI_URL.format(name=name), timeout=timeout) as response:
            payload = json.load(response)
    except (OSError, ValueError) as exc:
        return Releases(installed, requires, None, None, None, None, f"PyPI: {exc}")
    versions = []
    for text, files in payload.get("releases", {}).items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if files and not version.is_prerelease:
            versions.append(version)
    mine = Version(installed)
    return Releases(
        installed,
        requires,
        payload["info"]["version"],
        payload["info"].get("requires_python") or None,
        sum(v > mine for v in versions),
        tuple(str(v) for v in sorted(versions) if v.major >= 2),
    )
