"""Shared fixtures for the architecture tests: the repository root and its workspace members."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Member:
    """One uv workspace member as its own pyproject.toml declares it."""

    path: Path
    dist: str
    module: str
    pyproject: dict[str, object]


def _members() -> list[Member]:
    found = []
    for pyproject in sorted(
        [*REPO_ROOT.glob("packages/*/pyproject.toml"), *REPO_ROOT.glob("apps/*/pyproject.toml")]
    ):
        data = tomllib.loads(pyproject.read_text())
        module = data["tool"]["uv"]["build-backend"]["module-name"]
        found.append(Member(pyproject.parent, data["project"]["name"], module, data))
    return found


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def members() -> list[Member]:
    found = _members()
    assert found, f"no workspace members found under {REPO_ROOT}"
    return found


@pytest.fixture(scope="session")
def root_pyproject() -> dict[str, object]:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
