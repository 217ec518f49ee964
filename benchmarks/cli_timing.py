"""Whole-process timing of the ``finbot`` command: wall, CPU and peak memory per run.

    uv run python benchmarks/cli_timing.py [--runs 10] [--warmup 1] [--pyc-cache DIR] \\
        -- finbot backtest --no-record

Each run is a fresh process (what a user waits for, imports included); figures come from the
kernel's own accounting of the finished child (``os.wait4``). Runs execute in a throwaway
directory so ``finbot backtest`` records into a throwaway registry. ``--pyc-cache DIR`` lets
Python write and reuse bytecode under DIR even where ``PYTHONDONTWRITEBYTECODE`` is set, to show
what an install with compiled bytecode (``uv sync --compile-bytecode``) would take.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak MiB, exit status) of one child process."""
    began = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--pyc-cache", type=Path, default=None)
    parser.add_argument("command", nargs="+", help="the command, after --")
    args = parser.parse_args(argv)
    command = list(args.command)
    resolved = shutil.which(command[0])
    if resolved is None:
        parser.error(f"command not found: {command[0]}")
    command[0] = resolved
    env = dict(os.environ)
    if args.pyc_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(args.pyc_cache.resolve())
    walls, cpus, peaks, codes = [], [], [], set()
    with tempfile.TemporaryDirectory(prefix="finbot-cli-timing-") as cwd:
        for i in range(args.warmup + args.runs):
            wall, cpu, peak, code = run_once(command, env, cwd)
            if i >= args.warmup:
                walls.append(wall)
                cpus.append(cpu)
                peaks.append(peak)
                codes.add(code)
    print(f"{' '.join(args.command)}  ({args.runs} runs after {args.warmup} warm-up)")
    print(f"exit codes: {sorted(codes)}; load average now {os.getloadavg()[0]:.2f}")
    print(f"{'':10} {'min':>8} {'median':>8} {'max':>8}")
    for name, values in (("wall s", walls), ("cpu s", cpus), ("peak MiB", peaks)):
        print(
            f"{name:10} {min(values):>8.3f} {statistics.median(values):>8.3f} {max(values):>8.3f}"
        )
    return 0 if codes == {0} else 1


if __name__ == "__main__":
    sys.exit(main())
