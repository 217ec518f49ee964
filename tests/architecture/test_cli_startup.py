"""`finbot --help` stays fast: the CLI imports engines and dataframes lazily, never at startup.

Measured on this kind of machine: --help takes ~0.4 s with lazy engine imports and ~2.5 s when both
engines load at import time. We assert the cause (which modules got imported), not a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each of these costs from ~0.3 s (pandas) to ~2.5 s (nautilus_trader) of startup.
HEAVY = ("backtrader", "nautilus_trader", "pandas", "pyarrow")

PROBE = f"""
import json, sys
import finbot.cli as cli
after_import = [m for m in {HEAVY!r} if m in sys.modules]
has_app = hasattr(cli, "app")
after_help = None
help_exit = None
if has_app:
    # Call the console-script entry point exactly as `finbot --help` does.
    sys.argv = ["finbot", "--help"]
    try:
        cli.main()
        help_exit = 0
    except SystemExit as exc:
        help_exit = exc.code or 0
    after_help = [m for m in {HEAVY!r} if m in sys.modules]
print("\\nPROBE " + json.dumps({{
    "has_app": has_app,
    "after_import": after_import,
    "after_help": after_help,
    "help_exit": help_exit,
}}))
"""


def _probe() -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"probing finbot.cli failed:\n{proc.stdout}\n{proc.stderr}"
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_importing_the_cli_and_asking_for_help_loads_no_engine_or_dataframe_library():
    report = _probe()
    assert report["after_import"] == [], (
        f"`import finbot.cli` imported {report['after_import']}; import them inside the command "
        "or factory that needs them (apps/cli wiring)"
    )
    if not report["has_app"]:
        pytest.skip("finbot.cli has no `app` yet; only the import half of the check ran")
    assert report["help_exit"] == 0, f"`finbot --help` exited with {report['help_exit']}"
    assert report["after_help"] == [], (
        f"`finbot --help` imported {report['after_help']}; keep engine imports lazy"
    )
