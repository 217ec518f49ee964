"""Issue 7's attacks on the registry through the CLI, as a user or an intruder would make them:
each is now caught (`runs verify`/`rerun`/`list` fail safe), and runs that are killed, hang or
time out stay visible."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from finbot.cli import app
from finbot.registry import Registry, RunStatus

runner = CliRunner()

STRATEGIES = textwrap.dedent('''
    import os
    import signal
    import time

    from finbot.contracts import Strategy, StrategyParams


    class Sleepy(Strategy):
        strategy_id = "sleepy"
        Params = StrategyParams

        def on_bar(self, ctx, bars):
            time.sleep(30)


    class Killed(Strategy):
        strategy_id = "killed"
        Params = StrategyParams

        def on_bar(self, ctx, bars):
            os.kill(os.getpid(), signal.SIGKILL)


    class Broken(Strategy):
        strategy_id = "broken"
        Params = StrategyParams

        def on_bar(self, ctx, bars):
            raise ValueError("broken on purpose")
''')


def _record(csv: Path, reg: Path, *extra: str) -> str:
    done = runner.invoke(app, ["backtest", "--data", str(csv), "--registry", str(reg), *extra])
    assert done.exit_code == 0, done.output
    return done.output.split("recorded run ")[1].split()[0]


def test_list_on_a_missing_registry_says_so_and_creates_nothing(tmp_path: Path) -> None:
    for command in (["runs", "list"], ["runs", "verify"], ["runs", "export"]):
        done = runner.invoke(app, [*command, "--registry", str(tmp_path / "nowhere")])
        assert done.exit_code == 1 and "no registry at" in done.output, done.output
    assert not (tmp_path / "nowhere").exists()


def test_a_deleted_outcome_is_caught_and_never_hides_the_other_runs(
    tmp_path: Path, wave_csv: Path
) -> None:
    reg = tmp_path / "reg"
    kept = _record(wave_csv, reg)
    hit = _record(wave_csv, reg, "-p", "fast=5")
    with closing(sqlite3.connect(reg / "registry.sqlite")) as db:  # as with the sqlite3 shell
        db.execute("DELETE FROM run_outcomes WHERE run_id = ?", (hit,))
        db.commit()

    verify = runner.invoke(app, ["runs", "verify", "--registry", str(reg)])
    assert verify.exit_code == 1 and f"run {hit}" in verify.output
    assert "outcome row was deleted" in verify.output and "0 problem(s)" not in verify.output

    rerun = runner.invoke(app, ["runs", "rerun", hit, "--registry", str(reg)])
    assert rerun.exit_code == 1 and "identical" not in rerun.output

    listed = runner.invoke(app, ["runs", "list", "--registry", str(reg)])
    assert listed.exit_code == 1
    assert kept in listed.output and "TAMPERED" in listed.output and "2 run(s)" in listed.output

    exported = runner.invoke(app, ["runs", "export", "--registry", str(reg), "--format", "csv"])
    assert exported.exit_code == 1
    rows = [line.split(",")[0] for line in exported.stdout.splitlines()[1:]]
    assert rows == [kept, hit]


def test_edited_metrics_with_a_recomputed_hash_fail_verify_and_rerun(
    tmp_path: Path, wave_csv: Path
) -> None:
    from finbot.registry._record import outcome_hash
    from finbot.registry._rows import outcome_values

    reg = tmp_path / "reg"
    run_id = _record(wave_csv, reg)
    with closing(sqlite3.connect(reg / "registry.sqlite")) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM run_outcomes WHERE run_id = ?", (run_id,)).fetchone())
        start = db.execute("SELECT start_hash FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
        row["metrics_json"] = row["metrics_json"].replace('"sharpe":', '"sharpe":9', 1)
        db.execute("UPDATE run_outcomes SET metrics_json = ?, outcome_hash = ? WHERE run_id = ?",
                   (row["metrics_json"], outcome_hash(start, outcome_values(row)), run_id))
        db.commit()
    verify = runner.invoke(app, ["runs", "verify", "--registry", str(reg)])
    assert verify.exit_code == 1 and "rewritten" in verify.output
    rerun = runner.invoke(app, ["runs", "rerun", run_id, "--registry", str(reg)])
    assert rerun.exit_code == 1 and "identical" not in rerun.output


def test_a_run_past_its_timeout_is_stopped_and_recorded_failed(
    tmp_path: Path, wave_csv: Path
) -> None:
    (tmp_path / "strategies.py").write_text(STRATEGIES)
    reg = tmp_path / "reg"
    done = runner.invoke(app, [
        "backtest", "--data", str(wave_csv), "--registry", str(reg), "--timeout", "0.5",
        "--strategy", f"{tmp_path / 'strategies.py'}:Sleepy",
    ])
    assert done.exit_code == 1 and "exceeded its timeout of 0.5 s" in done.output, done.output
    with Registry.open(reg) as registry:
        (record,) = registry.runs()
    assert record.status is RunStatus.FAILED and record.timeout_seconds == 0.5
    assert "timeout" in (record.error or "")


def test_a_killed_backtest_is_visible_and_later_abandoned(tmp_path: Path, wave_csv: Path) -> None:
    (tmp_path / "strategies.py").write_text(STRATEGIES)
    reg = tmp_path / "reg"
    done = subprocess.run(
        [sys.executable, "-m", "finbot.cli", "backtest", "--data", str(wave_csv),
         "--registry", str(reg), "--strategy", f"{tmp_path / 'strategies.py'}:Killed"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    listed = runner.invoke(app, ["runs", "list", "--registry", str(reg)])
    assert listed.exit_code == 0 and "abandoned" in listed.output, listed.output
    with Registry.open(reg) as registry:
        (record,) = registry.runs()
    assert record.status is RunStatus.ABANDONED and "is gone" in (record.error or "")


def test_a_killed_parity_run_is_visible_and_later_abandoned(
    tmp_path: Path, wave_csv: Path
) -> None:
    (tmp_path / "strategies.py").write_text(STRATEGIES)
    reg = tmp_path / "reg"
    done = subprocess.run(
        [sys.executable, "-m", "finbot.cli", "parity", "--data", str(wave_csv),
         "--engines", "backtrader,sim", "--registry", str(reg),
         "--strategy", f"{tmp_path / 'strategies.py'}:Killed"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    with Registry.open(reg) as registry:
        (record,) = registry.runs()
    assert record.status is RunStatus.ABANDONED and "is gone" in (record.error or "")
    assert record.engine_name == "backtrader"


def test_a_failed_parity_run_is_recorded_failed(tmp_path: Path, wave_csv: Path) -> None:
    (tmp_path / "strategies.py").write_text(STRATEGIES)
    reg = tmp_path / "reg"
    done = runner.invoke(app, [
        "parity", "--data", str(wave_csv), "--engines", "sim,backtrader", "--registry", str(reg),
        "--strategy", f"{tmp_path / 'strategies.py'}:Broken",
    ])
    assert done.exit_code == 1 and "broken on purpose" in done.output, done.output
    with Registry.open(reg) as registry:
        (record,) = registry.runs()
    assert record.status is RunStatus.FAILED and record.engine_name == "sim"
    assert "broken on purpose" in (record.error or "")
