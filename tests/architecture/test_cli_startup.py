"""`finbot --help` stays fast: the CLI imports engines and dataframes lazily, never at startup.

Measured on this kind of machine (docs/benchmarks.md): --help takes ~0.25 s of CPU with compiled
bytecode, ~0.5 s without, and ~2.5 s when both engines load at import time; pandas and numpy alone
add ~0.3 s. We assert the cause (which modules got imported), not a timing. pandas is for data
files: every command's --help, a bad-input failure before any data is read and `runs list` must
run without it (issue 7).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Each of these costs from ~0.1 s (numpy) to ~2.5 s (nautilus_trader) of startup.
HEAVY = ("backtrader", "nautilus_trader", "pandas", "pyarrow", "numpy")
# Bad input found before any data is read: a usage error (exit 2) that needs no dataframe library.
BAD_INPUT = ["backtest", "--strategy", "no_such_strategy", "--no-record"]

# One process: each step runs the console-script entry point as `finbot ARGS` does, then notes
# which heavy modules are loaded so far; the first step that loaded one is the culprit.
PROBE = f"""
import json, sys
heavy = {HEAVY!r}
loaded = lambda: [m for m in heavy if m in sys.modules]
import finbot.cli as cli
steps = [{{"argv": ["import finbot.cli"], "exit": 0, "heavy": loaded()}}]

def run(argv):
    sys.argv = ["finbot", *argv]
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    steps.append({{"argv": argv, "exit": code, "heavy": loaded()}})

import typer.main
def commands(cmd, path):
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {{}}).items()):
        yield from commands(sub, [*path, name])

for path in commands(typer.main.get_command(cli.app), []):
    run([*path, "--help"])
run({BAD_INPUT!r})
run(["runs", "list"])
print("\\nPROBE " + json.dumps(steps))
"""


def _probe(tmp_path: Path) -> list[dict[str, object]]:
    # `runs list` reads a throwaway registry, never the user's or the checkout's.
    env = {**os.environ, "FINBOT_REGISTRY": str(tmp_path / "registry")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, f"probing finbot.cli failed:\n{proc.stdout}\n{proc.stderr}"
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_help_of_every_command_and_early_failures_load_no_engine_or_dataframe_library(
    tmp_path: Path,
) -> None:
    steps = _probe(tmp_path)
    helps = [s for s in steps if s["argv"][-1] == "--help"]
    assert len(helps) >= 4, f"expected finbot, backtest, parity and runs help; got {helps}"
    for step in steps:
        argv = " ".join(step["argv"])
        assert step["heavy"] == [], (
            f"`finbot {argv}` imported {step['heavy']}; import them inside the use case or "
            "factory that needs them (finbot.app wiring), not at command import or help time"
        )
        if step["argv"] == ["runs", "list"]:
            continue  # on a registry path that does not exist yet it may refuse (exit 1)
        assert step["exit"] == (2 if step["argv"] == BAD_INPUT else 0), (
            f"`finbot {argv}` exited with {step['exit']}"
        )
