"""``finbot walkforward`` over two datasets x two engines (sim and Backtrader), end to end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from batch_strategies import SOURCE
from sample_data import require_sample
from typer.testing import CliRunner

from finbot.cli import EXIT_RUN_FAILED, EXIT_USAGE, app
from finbot.contracts import session_date
from finbot.registry import Registry

runner = CliRunner()


def _batch_file(tmp_path: Path, engines: str, datasets: str, folds: int = 2) -> Path:
    path = tmp_path / "wf.toml"
    path.write_text(
        f"""
        metric = "total_return"
        engines = {engines}
        [grid]
        fast = [5, 10]
        slow = [20]
        [walk_forward]
        folds = {folds}
        test_sessions = 120
        purge_sessions = 5
        [execution]
        executor = "serial"
        {datasets}
        """.replace("\n        ", "\n")
    )
    return path


def test_two_datasets_on_two_engines_walk_forward_each_pair_on_its_own_folds(
    tmp_path: Path,
) -> None:
    orcl = require_sample("orcl-1995-2014.txt")
    reg = str(tmp_path / "registry")
    # The embedded golden dataset (2021-2023, all of it) and ORCL in a window of its own: they
    # share no session, and each walks forward on its own folds.
    datasets = f"""
        [[datasets]]
        name = "golden"
        [[datasets]]
        paths = ["{orcl}"]
        start = 2012-01-01
        end = 2014-12-31
        """
    path = _batch_file(tmp_path, '["sim", "backtrader"]', datasets)
    result = runner.invoke(app, ["walkforward", "--batch", str(path), "--registry", reg, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    pairs = {(p["dataset"], p["engine"]): p for p in payload["pairs"]}
    assert list(pairs) == [(d, e) for d in ("golden", "orcl-1995-2014")
                           for e in ("sim", "backtrader")]
    assert payload["cross_pair"]["pairs"] == 4
    with Registry.open(reg) as registry:
        # Two batches: every pair's training grids in one, every winner's test run in the other.
        training = registry.runs(tag=f"batch:{payload['training_batch_id']}")
        testing = registry.runs(tag=f"batch:{payload['testing_batch_id']}")
        assert (len(training), len(testing)) == (4 * 2 * 2, 4 * 2)
        for (dataset, engine), pair in pairs.items():
            assert pair["summary"]["oos_days"] == len(pair["equity"]) == 2 * 120
            for fold in pair["folds"]:
                k, test_start = fold["fold"], date.fromisoformat(fold["test"][0])
                oos = fold["out_of_sample"]
                assert oos["status"] == "succeeded"
                assert oos["params"] == fold["winner"]["params"]
                mine = [
                    registry.load_result(r.run_id)
                    for r in registry.runs(tag=f"fold:{k}:train")
                    if payload["tag"] in r.tags
                ]
                mine = [m for m in mine
                        if (m.config.dataset.name, m.config.engine) == (dataset, engine)]
                assert len(mine) == 2  # the pair's grid in this fold
                for trained in mine:
                    # What the engine stepped through: no bar of the test window, nor of the
                    # five purged sessions before it.
                    last = session_date(trained.equity_curve.ts_ns[-1])
                    assert last <= date.fromisoformat(fold["train"][1]) < test_start
                tested = registry.load_result(oos["run_id"])
                assert (tested.config.dataset.name, tested.config.engine) == (dataset, engine)
                # The winner warmed up on the slow SMA's 20 sessions just before the test
                # window (bars of no training run's future: they precede the test window).
                days = [session_date(ts) for ts in tested.equity_curve.ts_ns]
                warm = [d for d in days if d < test_start]
                assert fold["warmup_sessions"] == len(warm) == 20
                assert fold["oos_run_start"] == days[0].isoformat()
                assert days[len(warm)] == test_start
    # Each dataset's folds end on its own last session; the engines on a dataset share them.
    for dataset, last in (("golden", "2023-11-17"), ("orcl-1995-2014", "2014-12-31")):
        tests = [f["test"] for f in pairs[dataset, "sim"]["folds"]]
        assert tests == [f["test"] for f in pairs[dataset, "backtrader"]["folds"]]
        assert tests[-1][1] == last

    page = tmp_path / "wf.html"
    shown = runner.invoke(app, ["runs", "compare", "--tag", payload["tag"], "--report",
                                str(page), "--registry", reg])
    assert shown.exit_code == 0, shown.output
    html = page.read_text()
    assert "<tr><th>Dataset</th><th>Engine</th><th>Fold</th>" in html
    assert "<tr><td>orcl-1995-2014</td><td>backtrader</td><td class=num>1</td>" in html


def test_bad_walk_forward_combinations_are_refused_together_before_any_run(
    tmp_path: Path,
) -> None:
    orcl = require_sample("orcl-1995-2014.txt")
    reg = tmp_path / "registry"
    twice = f'[[datasets]]\npaths = ["{orcl}"]\nstart = 2012-01-01\nend = 2014-12-31\n' * 2
    path = _batch_file(tmp_path, '["sim", "sim"]', twice, folds=7)
    result = runner.invoke(app, ["walkforward", "--batch", str(path), "--registry", str(reg)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert "walk-forward: 3 problem(s)" in result.stderr
    assert "engines: 'sim' is listed twice" in result.stderr
    assert "datasets[0] ('orcl-1995-2014'): walk_forward: 754 sessions are too few for 7 folds " \
        "of 120 test sessions, at least 1 training session, purge 5 and embargo 0" in " ".join(
            result.stderr.split())
    assert "datasets[1]: the same data and window as datasets[0]" in result.stderr
    assert not reg.exists()


def test_repeated_engine_options_walk_forward_on_each_and_compare_the_pairs() -> None:
    result = runner.invoke(
        app,
        ["walkforward", "--engine", "sim", "--engine", "backtrader", "-p", "fast=5,10",
         "-p", "slow=20", "--start", "2021-01-01", "--end", "2022-12-31", "--folds", "2",
         "--test", "100", "--executor", "serial", "--no-record"],
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    for engine in ("sim", "backtrader"):
        assert f"walk-forward: 2 folds, optimizing sharpe: golden on {engine}" in out
        assert f"golden on {engine}: out of sample: 200 days" in out
    assert "walk-forward across 2 (dataset, engine) pairs" in out
    assert "engines on the same dataset picked the same winner in" in out


def test_a_walk_forward_with_a_failed_training_run_reports_it_and_exits_1(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flaky.toml"
    path.write_text(
        f"""
        strategy = "{SOURCE}:Flaky"
        start = 2021-01-01
        end = 2021-12-31
        metric = "total_return"
        engines = ["sim"]
        [grid]
        mode = ["ok", "raise"]
        [walk_forward]
        folds = 2
        test_sessions = 60
        [execution]
        executor = "serial"
        """
    )
    result = runner.invoke(app, ["batch", str(path), "--no-record"])
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert "failed training runs: 2 strategy_exception" in result.stdout
    assert "out of sample: 120 days" in result.stdout  # the winner still ran in every fold
