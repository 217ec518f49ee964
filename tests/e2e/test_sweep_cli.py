"""``finbot sweep`` and ``finbot batch`` through typer's CliRunner, on the real Backtrader."""

from __future__ import annotations

import json
from pathlib import Path

from batch_strategies import SOURCE
from typer.testing import CliRunner

from finbot.cli import EXIT_RUN_FAILED, EXIT_USAGE, app
from finbot.registry import Registry

runner = CliRunner()
WINDOW = ("--start", "2021-01-01", "--end", "2021-12-31")


def test_sweep_json_ranks_every_run_and_records_them_under_one_batch(tmp_path: Path) -> None:
    reg = str(tmp_path / "registry")
    args = ["sweep", "-p", "fast=5,10", "-p", "slow=30:40:10", *WINDOW, "--workers", "2",
            "--metric", "total_return", "--registry", reg, "--json", "--tag", "exp-7",
            "-t", "sma", "--name", "first grid"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    runs = payload["runs"]
    assert payload["metric"] == "total_return" and payload["executor"] == "local"
    assert sorted((r["params"]["fast"], r["params"]["slow"]) for r in runs) == [
        (5, 30), (5, 40), (10, 30), (10, 40)
    ]
    returns = [r["metrics"]["total_return"] for r in runs]
    assert returns == sorted(returns, reverse=True)
    with Registry.open(reg) as registry:
        tagged = registry.runs(tag=f"batch:{payload['batch_id']}")
        assert sorted(r.run_id for r in tagged) == sorted(r["run_id"] for r in runs)
        # --tag and --name label every run of the sweep, as they label a backtest's run.
        for label in ("exp-7", "sma", "name:first grid"):
            assert {r.run_id for r in registry.runs(tag=label)} == {r.run_id for r in tagged}
        for record in tagged:
            # Each record is the run the table shows: same params, same metric.
            row = next(r for r in runs if r["run_id"] == record.run_id)
            assert record.metrics["total_return"] == row["metrics"]["total_return"]

    # The same sweep again runs nothing: every run key already succeeded.
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["counts"] == {"skipped": 4}


def test_sweep_table_shows_the_ranking_and_a_heatmap(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["sweep", "-p", "fast=5,10", "-p", "slow=30,40", *WINDOW, "--executor", "serial",
         "--no-record"],
    )
    assert result.exit_code == 0, result.output
    assert "4 runs ranked by sharpe" in result.stdout
    assert "sharpe by fast (rows) x slow (columns)" in result.stdout
    assert "4 succeeded" in result.stdout


def test_bad_sweep_input_lists_every_problem_and_runs_nothing(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["sweep", "-p", "fast=5,x", "-p", "bogus=1,2", "--engine", "warp", "--metric", "luck",
         "--registry", str(tmp_path / "registry")],
    )
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stdout == ""
    for fragment in ("unknown metric 'luck'", "unknown engine 'warp'", "bogus", "fast=x"):
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "registry").exists()


def test_batch_file_with_a_failing_run_exits_1_and_names_the_failure(tmp_path: Path) -> None:
    path = tmp_path / "batch.toml"
    path.write_text(
        f"""
        name = "flaky"
        strategy = "{SOURCE}:Flaky"
        start = 2021-01-01
        end = 2021-03-31
        metric = "total_return"
        [grid]
        mode = ["ok", "raise"]
        [execution]
        executor = "serial"
        """
    )
    result = runner.invoke(app, ["batch", str(path), "--registry", str(tmp_path / "r")])
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert "strategy_exception: " in result.stdout
    assert "1 succeeded, 1 failed" in result.stdout


def test_restart_stuck_workers_reaches_the_batch_only_when_given(tmp_path: Path) -> None:
    path = tmp_path / "batch.toml"
    path.write_text(
        f"""
        strategy = "{SOURCE}:Flaky"
        start = 2021-01-01
        end = 2021-01-31
        [execution]
        executor = "serial"
        """
    )
    reg = str(tmp_path / "r")
    specs = []
    for flag in ([], ["--restart-stuck-workers"]):
        result = runner.invoke(app, ["batch", str(path), "--registry", reg, "--json", *flag])
        assert result.exit_code == 0, result.output
        with Registry.open(reg) as registry:
            batch_id = json.loads(result.stdout)["batch_id"]
            specs.append(registry.batches.get(batch_id).spec["execution"])
    assert [s["restart_stuck_workers"] for s in specs] == [False, True]  # type: ignore[index]


def test_walkforward_runs_end_to_end_and_regimes_split_its_best_run(tmp_path: Path) -> None:
    reg = str(tmp_path / "registry")
    result = runner.invoke(
        app,
        ["walkforward", "-p", "fast=5,10", "-p", "slow=20,30", "--start", "2019-01-01",
         "--end", "2022-12-31", "--folds", "3", "--test", "120", "--purge", "5",
         "--embargo", "2", "--executor", "serial", "--registry", reg, "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    folds = payload["folds"]
    assert len(folds) == 3
    for fold in folds:
        assert fold["train"][1] < fold["test"][0]
        assert fold["out_of_sample"]["params"] == fold["winner"]["params"]
        assert fold["out_of_sample"]["status"] == "succeeded"
        assert "pbo" in fold["statistics"] and "deflated_sharpe" in fold["statistics"]
        assert any("not meaningful" in w for w in fold["statistics"]["warnings"])  # 4 trials
    assert payload["summary"]["oos_days"] == len(payload["equity"])
    # Every run is tagged with the walk-forward and its fold's role (the cohort page's folds).
    with Registry.open(reg) as registry:
        tagged = registry.runs(tag=payload["tag"])
        assert len(tagged) == 3 * 4 + 3  # each fold's 4-run training grid and its winner
        [oos] = registry.runs(tag="fold:2:test")
        assert oos.run_id == folds[-1]["out_of_sample"]["run_id"]
        assert len(registry.runs(tag="fold:2:train")) == 4

    run_id = folds[-1]["out_of_sample"]["run_id"]
    shown = runner.invoke(app, ["regimes", run_id, "--by", "crisis", "--registry", reg,
                                "--json"])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    # The recorded run holds its warm-up sessions (the winner's slow SMA) before the test window.
    warmup = folds[-1]["warmup_sessions"]
    assert warmup == folds[-1]["winner"]["params"]["slow"]
    assert sum(r["days"] for r in rows) == 120 + warmup
    bad = runner.invoke(app, ["regimes", run_id, "--by", "moon", "--registry", reg])
    assert bad.exit_code == EXIT_USAGE and "unknown regime rule 'moon'" in bad.stderr


def test_a_batch_file_with_a_walk_forward_table_runs_a_walk_forward(tmp_path: Path) -> None:
    path = tmp_path / "wf.toml"
    path.write_text(
        """
        start = 2021-01-01
        end = 2022-12-31
        metric = "total_return"
        [grid]
        fast = [5, 10]
        slow = [30]
        [walk_forward]
        folds = 2
        test_sessions = 100
        anchored = true
        [execution]
        executor = "serial"
        """
    )
    result = runner.invoke(app, ["batch", str(path), "--no-record"])
    assert result.exit_code == 0, result.output
    assert "walk-forward: 2 folds, optimizing total_return" in result.stdout
    assert "out of sample: 200 days" in result.stdout
