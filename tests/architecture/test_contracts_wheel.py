"""finbot-contracts installs alone from its built wheel and imports with no engine, pandas or CLI.

This is the promise third parties rely on: the domain can be depended on without pulling in an
engine. Building the real wheel (not an editable install) also proves the namespace packaging.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

UV = shutil.which("uv")
HEAVY = ("backtrader", "nautilus_trader", "pandas", "pyarrow", "typer", "rich")

PROBE = f"""
import importlib.util, json, sys
import finbot.contracts as c
print(json.dumps({{
    "file": c.__file__,
    "exports": len(c.__all__),
    "installed_heavy": [m for m in {HEAVY!r} if importlib.util.find_spec(m) is not None],
    "imported_heavy": [m for m in {HEAVY!r} if m in sys.modules],
}}))
"""


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.skipif(UV is None, reason="uv is not on PATH")
def test_contracts_wheel_installs_and_imports_alone(tmp_path, repo_root):
    assert UV is not None
    dist = tmp_path / "dist"
    _run(UV, "build", "--package", "finbot-contracts", "--wheel", "-o", str(dist), cwd=repo_root)
    wheels = list(dist.glob("finbot_contracts-*.whl"))
    assert len(wheels) == 1, f"expected one finbot-contracts wheel in {dist}, got {wheels}"

    venv = tmp_path / "venv"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run(UV, "venv", "--quiet", "--python", sys.executable, str(venv))
    _run(UV, "pip", "install", "--quiet", "--python", str(python), str(wheels[0]))

    # Run outside the repository so nothing from the workspace source tree can leak in.
    probe = _run(str(python), "-c", PROBE, cwd=tmp_path)
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert str(venv) in report["file"], f"imported from {report['file']}, not the fresh venv"
    assert report["exports"] > 0
    assert report["installed_heavy"] == [], f"the wheel pulled in {report['installed_heavy']}"
    assert report["imported_heavy"] == []
