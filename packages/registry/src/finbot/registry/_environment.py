"""Capture where a run happened: package versions, Python, platform and the git checkout."""

from __future__ import annotations

import functools
import os
import platform
import re
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Environment(BaseModel):
    """The software a run executed with; part of every run record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    python: str
    implementation: str
    platform: str
    packages: dict[str, str]
    git_commit: str | None = None
    git_dirty: bool | None = None
    # Where the recording process ran (None in records made before schema v2): lets the registry
    # tell a run whose process died from one still running.
    host: str | None = None
    pid: int | None = None


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> dict[str, str]:
    """Every installed distribution (normalized name -> version), sorted by name."""
    return dict(_scan_packages())


@functools.cache
def _scan_packages() -> tuple[tuple[str, str], ...]:
    # Scanning metadata takes ~0.1 s; installs do not change under a running process.
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(_normalize(name), dist.version)
    return tuple(sorted(found.items()))


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(cwd: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout containing ``cwd``; (None, None) outside git or without git.

    Dirty means tracked files differ from the commit; untracked files are ignored so that the
    registry's own directory (``./.finbot``) does not mark every checkout dirty.
    """
    where = cwd or Path.cwd()
    commit = _git(where, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(where, "status", "--porcelain", "--untracked-files=no")
    return commit.strip(), (None if status is None else bool(status.strip()))


def capture_environment(cwd: Path | None = None) -> Environment:
    """Describe the running interpreter, its installed packages and the git checkout."""
    commit, dirty = git_state(cwd)
    return Environment(
        python=platform.python_version(),
        implementation=sys.implementation.name,
        platform=platform.platform(),
        packages=installed_packages(),
        git_commit=commit,
        git_dirty=dirty,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
