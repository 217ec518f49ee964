"""docs/cli.md's examples run as written: every ```bash and ```python block, from a clone's root.

Each block runs in a fresh folder that holds the repository's own files (so the examples' paths
are the repository's, never one machine's), with a throwaway registry. ``uv run X`` runs ``X`` in
this test's environment, which is the one ``uv run`` would pick.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```", re.S | re.M)
# `uv run X ...` -> `X ...`: the test already runs inside the workspace's environment.
UV_SHIM = 'uv() { if [ "$1" = run ]; then shift; fi; "$@"; }\n'


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(DOC.read_text())]


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "clone"
    work.mkdir()
    for name in ("packages", "docs", "docs_site", "apps"):
        (work / name).symlink_to(REPO_ROOT / name)
    return work


def test_the_doc_has_runnable_examples() -> None:
    kinds = [kind for kind, _ in _blocks()]
    assert kinds.count("bash") >= 1 and kinds.count("python") >= 1


@pytest.mark.parametrize(
    ("index", "kind", "code"), [(i, k, c) for i, (k, c) in enumerate(_blocks())]
)
def test_example_runs_as_written(tmp_path: Path, index: int, kind: str, code: str) -> None:
    work = _workdir(tmp_path)
    env = {
        **os.environ,
        "FINBOT_REGISTRY": str(tmp_path / "registry"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    if kind == "bash":
        argv = ["bash", "-c", "set -euo pipefail\n" + UV_SHIM + code]
    else:
        argv = [sys.executable, "-c", code]
    proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, (
        f"docs/cli.md example #{index} ({kind}) failed:\n{code}\n--- stdout\n{proc.stdout}"
        f"\n--- stderr\n{proc.stderr}"
    )
