"""``finbot batches list`` / ``show`` over real batches (Backtrader, a SQLite registry)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from batch_strategies import SOURCE
from sample_data import require_sample
from typer.testing import CliRunner

from finbot.app import SerialExecutor, plan_payload, run_batch
from finbot.cli import EXIT_RUN_FAILED, EXIT_USAGE, app
from finbot.registry import Registry

runner = CliRunner()
WINDOW = {"start": "2021-01-01", "end": "2021-03-31"}


def _batch(reg: Path, payload: dict[str, Any], *, stop_after: int | None = None) -> str:
    """Run a batch serially on Backtrader; stop it (as Ctrl-C would) after N successes."""
    plan = plan_payload({"strategy": f"{SOURCE}:Flaky", **WINDOW, **payload})

    def stop(progress: Any) -> None:
        # (the serial executor settles two runs per wait: counts may step past N)
        if stop_after is not None and progress.succeeded >= stop_after:
            raise KeyboardInterrupt

    with Registry.open(reg) as registry:
        if stop_after is None:
            report = run_batch(plan, SerialExecutor(), registry=registry)
            assert report.batch_id is not None
            return report.batch_id
        with pytest.raises(KeyboardInterrupt):
            run_batch(plan, SerialExecutor(), registry=registry, on_progress=stop)
        return registry.batches.list(limit=1)[0].record.batch_id


def _show(reg: Path, batch_id: str) -> dict[str, Any]:
    result = runner.invoke(app, ["batches", "show", batch_id, "--registry", str(reg), "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """A registry holding a batch with failures, one stopped midway, and the rerun finishing it."""
    reg = tmp_path_factory.mktemp("batches") / "registry"
    failing = _batch(reg, {
        "name": "failing",
        # Not in name order: the grid's order decides the order of the runs.
        "grid": {"mode": ["ok", "raise", "oom"], "fraction": [0.3]},
        "execution": {"executor": "serial", "retries": 2, "backoff_seconds": 0.01},
    })
    stopped_spec = {"grid": {"fraction": [0.2, 0.4, 0.6, 0.8]},
                    "execution": {"executor": "serial"}}
    stopped = _batch(reg, stopped_spec, stop_after=2)
    rerun = _batch(reg, stopped_spec)
    return reg, failing, stopped, rerun


def test_show_gives_each_runs_final_status_attempts_and_failure_kinds(
    recorded: tuple[Path, str, str, str],
) -> None:
    reg, failing, _, _ = recorded
    shown = _show(reg, failing)
    assert shown["name"] == "failing" and shown["run_count"] == 3
    runs = shown["runs"]
    assert [r["params"] for r in runs] == [
        {"mode": "ok", "fraction": 0.3}, {"mode": "raise", "fraction": 0.3},
        {"mode": "oom", "fraction": 0.3},
    ]
    ok, raised, oom = runs
    assert (ok["outcome"], len(ok["attempts"]), ok["engine"]) == ("succeeded", 1, "backtrader")
    assert ok["metric"] is not None  # the ranking metric (sharpe) of its recorded result
    assert raised["outcome"] == "failed (strategy_exception)"
    assert "raised on purpose" in raised["attempts"][0]["error"]
    # MemoryError is transient: retried twice with backoff, then failed for good.
    assert oom["outcome"] == "retried, then failed (out_of_memory)"
    assert [a["status"] for a in oom["attempts"]] == ["retried", "retried", "failed"]
    assert shown["counts"] == {"succeeded": 1, "failed": 2}
    assert shown["failures"] == {"strategy_exception": 1, "out_of_memory": 1}
    assert shown["retries"] == {"out_of_memory": 2}
    assert shown["hint"] is None  # every run finished
    # Each run id is the registry's record of that run, failed or not.
    with Registry.open(reg) as registry:
        assert registry.get(ok["run_id"]).status.value == "finished"
        assert registry.get(oom["run_id"]).error.startswith("out_of_memory")  # type: ignore[union-attr]

    table = runner.invoke(app, ["batches", "show", failing[:10], "--registry", str(reg)])
    assert table.exit_code == 0, table.output
    for fragment in ("retried, then failed (out_of_memory)", "attempt 2: retried (out_of_memory)",
                     "failed by kind: 1 out_of_memory, 1 strategy_exception",
                     "final status: 1 succeeded, 2 failed", "mode=ok,raise,oom; fraction=0.3"):
        assert fragment in table.stdout, table.stdout


def test_a_batch_stopped_midway_shows_its_runs_not_run_and_how_to_finish_it(
    recorded: tuple[Path, str, str, str],
) -> None:
    reg, _, stopped, rerun = recorded
    shown = _show(reg, stopped)
    assert [(r["params"]["fraction"], r["status"]) for r in shown["runs"]] == [
        (0.2, "succeeded"), (0.4, "succeeded"), (0.6, "not run"), (0.8, "not run")
    ]
    assert all(r["attempts"] == [] and r["run_id"] is None for r in shown["runs"][2:])
    assert shown["counts"] == {"succeeded": 2, "not run": 2}
    assert shown["hint"].startswith("2 run(s) of this batch were not run to the end")
    assert "runs whose key already succeeded are skipped" in shown["hint"]
    table = runner.invoke(app, ["batches", "show", stopped, "--registry", str(reg)])
    assert "2 run(s) of this batch were not run to the end" in table.stdout

    # Rerunning it did what the hint says: the two finished runs were reused, not run again.
    again = _show(reg, rerun)
    assert [r["reused"] for r in again["runs"]] == [True, True, False, False]
    assert again["runs"][0]["outcome"] == "succeeded (in an earlier batch; skipped)"
    assert [r["run_id"] for r in again["runs"][:2]] == [r["run_id"] for r in shown["runs"][:2]]
    assert again["counts"] == {"succeeded": 4} and again["hint"] is None


def test_list_shows_every_batch_newest_first_with_final_status_counts(
    recorded: tuple[Path, str, str, str],
) -> None:
    reg, failing, stopped, rerun = recorded
    result = runner.invoke(app, ["batches", "list", "--registry", str(reg), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [b["batch_id"] for b in listed] == [rerun, stopped, failing]
    assert [b["counts"] for b in listed] == [
        {"succeeded": 4}, {"succeeded": 2, "not run": 2}, {"failed": 2, "succeeded": 1}
    ]
    assert {b["strategy"] for b in listed} == {f"{SOURCE}:Flaky"}
    table = runner.invoke(app, ["batches", "list", "--registry", str(reg)])
    assert "2 succeeded, 2 not run" in table.stdout and "3 batch(es) in" in table.stdout


def test_an_unknown_batch_or_a_missing_registry_is_a_clear_error(
    recorded: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    reg = recorded[0]
    unknown = runner.invoke(app, ["batches", "show", "01NOSUCHBATCH", "--registry", str(reg)])
    assert unknown.exit_code == EXIT_USAGE
    assert "no batch '01NOSUCHBATCH' in registry" in unknown.stderr
    assert "Traceback" not in unknown.output
    missing = tmp_path / "nowhere"
    for args in (["list"], ["show", "01NOSUCHBATCH"]):
        result = runner.invoke(app, ["batches", *args, "--registry", str(missing)])
        assert result.exit_code == EXIT_RUN_FAILED  # as `runs list` does
        assert "no registry at" in result.stderr and "Traceback" not in result.output
    assert not missing.exists()


def test_a_read_only_registry_can_be_listed_and_shown_not_resumed(
    recorded: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    reg, failing, _, _ = recorded
    command = [sys.executable, "-m", "finbot.cli", "batches"]
    if os.geteuid() == 0:
        # Root ignores file modes: a read-only bind mount in a private mount namespace (as the
        # registry's own read-only test does).
        mount = tmp_path / "mnt"
        mount.mkdir()
        script = (f'mount --bind "{reg}" "{mount}" && mount -o remount,bind,ro "{mount}" && '
                  f'"$0" "$@" list --registry "{mount}" && '
                  f'"$0" "$@" show {failing} --json --registry "{mount}" && '
                  f'{{ "$0" "$@" resume {failing} --registry "{mount}"; echo "resume: $?"; }}')
        argv = ["unshare", "-m", "sh", "-c", script, *command]
    else:
        for path in [reg, *reg.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        script = (f'"$0" "$@" list --registry "{reg}" && '
                  f'"$0" "$@" show {failing} --json --registry "{reg}" && '
                  f'{{ "$0" "$@" resume {failing} --registry "{reg}"; echo "resume: $?"; }}')
        argv = ["sh", "-c", script, *command]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    finally:
        for path in [reg, *reg.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert done.returncode == 0, done.stderr
    assert "3 batch(es) in" in done.stdout
    assert '"outcome": "retried, then failed (out_of_memory)"' in done.stdout
    # Resuming would record a new batch: refused up front, as bad input.
    assert done.stdout.rstrip().endswith(f"resume: {EXIT_USAGE}")
    assert f"is read-only: batch {failing} cannot be resumed there" in done.stderr


def test_resume_finishes_a_stopped_batch_and_refuses_when_its_data_is_gone(
    tmp_path: Path,
) -> None:
    csv = tmp_path / "orcl.txt"
    shutil.copy(require_sample("orcl-1995-2014.txt"), csv)
    reg = tmp_path / "registry"
    spec = {"datasets": [{"paths": [str(csv)]}], "start": "2010-01-01", "end": "2010-03-31",
            "grid": {"fraction": [0.2, 0.4, 0.6, 0.8]}, "execution": {"executor": "serial"}}
    stopped = _batch(reg, spec, stop_after=2)
    assert _show(reg, stopped)["counts"] == {"succeeded": 2, "not run": 2}
    assert "`finbot batches resume " + stopped in _show(reg, stopped)["hint"]

    resumed = runner.invoke(app, ["batches", "resume", stopped[:8], "--registry", str(reg),
                                  "--json"])
    assert resumed.exit_code == 0, resumed.output
    assert "as a new batch: 2 of 4 run(s) already succeeded and are skipped, 2 to run" in (
        resumed.stderr)
    assert "warning" not in resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["counts"] == {"skipped": 2, "succeeded": 2}
    assert report["batch_id"] != stopped
    finished = _show(reg, report["batch_id"])
    assert [r["params"]["fraction"] for r in finished["runs"]] == [0.2, 0.4, 0.6, 0.8]
    assert [r["reused"] for r in finished["runs"]] == [True, True, False, False]
    assert finished["spec"]["datasets"] == [{"name": None, "paths": [str(csv)], "start": None,
                                             "end": None}]

    csv.unlink()
    gone = runner.invoke(app, ["batches", "resume", stopped, "--registry", str(reg)])
    assert gone.exit_code == EXIT_USAGE, gone.output
    assert f"batch {stopped} cannot be resumed" in gone.stderr
    assert f"datasets[0]: {csv}" in gone.stderr and "Traceback" not in gone.output
    with Registry.open(reg) as registry:
        assert len(registry.batches.list()) == 2  # the refused resume recorded nothing


def test_resume_of_a_walk_forward_batch_reruns_the_walk_forward_skipping_what_succeeded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wf.toml"
    path.write_text(
        """
        start = 2021-01-01
        end = 2022-06-30
        [grid]
        fast = [5, 10]
        slow = [30]
        [walk_forward]
        folds = 2
        test_sessions = 60
        anchored = true
        [execution]
        executor = "serial"
        """
    )
    reg = str(tmp_path / "registry")
    first = runner.invoke(app, ["batch", str(path), "--registry", reg, "--json"])
    assert first.exit_code == 0, first.output
    with Registry.open(reg) as registry:
        testing, training = (item.record.batch_id for item in registry.batches.list())
    shown = _show(Path(reg), training)
    assert shown["spec"]["walk_forward"]["folds"] == 2
    assert shown["counts"] == {"succeeded": 4}  # 2 folds x 2 grid points
    assert shown["walk_forward_role"] == "training"
    assert _show(Path(reg), testing)["walk_forward_role"] == "out of sample"
    assert "out of sample runs; folds=2" in runner.invoke(
        app, ["batches", "show", testing, "--registry", reg]).stdout

    again = runner.invoke(app, ["batches", "resume", training, "--registry", reg, "--json"])
    assert again.exit_code == 0, again.output
    assert ("(walk-forward) as a new walk-forward: 4 of 4 training run(s) already succeeded "
            "and are skipped, 0 to run") in again.stderr
    before, after = json.loads(first.stdout)["folds"], json.loads(again.stdout)["folds"]
    # The same folds and winners; every out-of-sample run reused, none run again.
    assert [(f["train"], f["test"], f["winner"]["params"]) for f in after] == [
        (f["train"], f["test"], f["winner"]["params"]) for f in before
    ]
    assert [f["out_of_sample"]["run_id"] for f in after] == [
        f["out_of_sample"]["run_id"] for f in before
    ]
    assert {f["out_of_sample"]["status"] for f in after} == {"skipped"}
