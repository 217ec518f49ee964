"""`finbot backtest` records the run and `finbot runs ...` reads, compares, exports and reruns it,
as a user types it (typer's CliRunner, real Backtrader engine, real golden strategy)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from finbot.app import _wiring
from finbot.cli import app
from finbot.engine_backtrader import BacktraderEngine
from finbot.registry import Registry

runner = CliRunner()


def _backtest(csv: Path, registry: Path, *extra: str) -> str:
    result = runner.invoke(
        app, ["backtest", "--data", str(csv), "--registry", str(registry), *extra]
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"recorded run ([0-9A-Z]{26})", result.output)
    assert found, result.output
    return found.group(1)


def test_backtest_records_and_rerun_reproduces_without_the_file(
    tmp_path: Path, wave_csv: Path
) -> None:
    csv = wave_csv
    reg = tmp_path / "reg"
    first = _backtest(csv, reg, "-p", "fast=5", "-p", "slow=20")
    second = _backtest(csv, reg, "--commission", "10")
    csv.unlink()

    listed = runner.invoke(app, ["runs", "list", "--registry", str(reg)])
    assert listed.exit_code == 0 and first in listed.output and second in listed.output
    only = runner.invoke(app, ["runs", "list", "--registry", str(reg), "--strategy", "nope"])
    assert first not in only.output and "0 run(s)" in only.output

    shown = runner.invoke(app, ["runs", "show", first, "--registry", str(reg), "--json"])
    record = json.loads(shown.output)
    assert record["run_id"] == first and record["status"] == "finished"

    cmp = runner.invoke(app, ["runs", "compare", first, second, "--registry", str(reg)])
    assert cmp.exit_code == 0
    assert "strategy.params.fast" in cmp.output and "cost_model.commission_bps" in cmp.output

    exported = runner.invoke(app, ["runs", "export", "--registry", str(reg)])
    lines = [json.loads(x) for x in exported.output.splitlines()]
    assert [x["run_id"] for x in lines] == [first, second]

    again = runner.invoke(app, ["runs", "rerun", first, "--registry", str(reg)])
    assert again.exit_code == 0, again.output
    assert "rerun identical" in again.output


def test_rerun_mismatch_exits_3_and_names_what_differs(
    tmp_path: Path, wave_csv: Path, monkeypatch
) -> None:
    csv = wave_csv
    reg = tmp_path / "reg"
    run_id = _backtest(csv, reg)

    class CostlierEngine(BacktraderEngine):
        """Silently charges commission: a stand-in for an engine whose behaviour changed."""

        def run(self, config, strategy, data):
            changed = config.model_copy(update={"cost_model": config.cost_model.model_copy(
                update={"commission_bps": 25.0})})
            return super().run(changed, strategy, data)

    monkeypatch.setitem(_wiring.ENGINES, "backtrader",
                        (lambda verbose: CostlierEngine(), "finbot-engine-backtrader"))
    out = runner.invoke(app, ["runs", "rerun", run_id, "--registry", str(reg)])
    assert out.exit_code == 3, out.output
    assert "rerun DIFFERS" in out.output
    assert "config hash:" in out.output
    assert "config.cost_model.commission_bps: 0.0 -> 25.0" in out.output
    assert "metrics.total_commission" in out.output


def test_tampered_registry_is_an_error_not_a_traceback(
    tmp_path: Path, wave_csv: Path
) -> None:
    csv = wave_csv
    reg = tmp_path / "reg"
    run_id = _backtest(csv, reg)
    with Registry.open(reg) as registry:
        path = registry.artifacts.path(registry.get(run_id).result_hash)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b'"trade_count":', b'"trade_count": ', 1))
    out = runner.invoke(app, ["runs", "rerun", run_id, "--registry", str(reg)])
    assert out.exit_code == 1
    assert "integrity check failed" in out.output and "Traceback" not in out.output
    verify = runner.invoke(app, ["runs", "verify", "--registry", str(reg)])
    assert verify.exit_code == 1 and run_id in verify.output


def test_no_record_records_nothing(tmp_path: Path, wave_csv: Path) -> None:
    csv = wave_csv
    out = runner.invoke(app, ["backtest", "--data", str(csv), "--registry",
                              str(tmp_path / "reg"), "--no-record"])
    assert out.exit_code == 0 and "recorded run" not in out.output
    assert not (tmp_path / "reg").exists()


def test_engine_failure_is_recorded_as_a_failed_run(
    tmp_path: Path, wave_csv: Path, monkeypatch
) -> None:
    from finbot.contracts import EngineRunError

    class BrokenEngine(BacktraderEngine):
        def run(self, config, strategy, data):
            raise EngineRunError("account drifted from the runner's books")

    monkeypatch.setitem(_wiring.ENGINES, "backtrader",
                        (lambda verbose: BrokenEngine(), "finbot-engine-backtrader"))
    reg = tmp_path / "reg"
    out = runner.invoke(app, ["backtest", "--data", str(wave_csv), "--registry", str(reg)])
    assert out.exit_code == 1 and "account drifted" in out.output
    with Registry.open(reg) as registry:
        (failed,) = registry.runs(status="failed")
        assert failed.error == "EngineRunError: account drifted from the runner's books"
        assert failed.engine_name == "backtrader" and failed.result_hash is None
    # Input errors are not runs: nothing more is recorded.
    bad = runner.invoke(app, ["backtest", "--data", str(tmp_path / "missing.csv"),
                              "--registry", str(reg)])
    assert bad.exit_code == 2
    with Registry.open(reg) as registry:
        assert len(registry.runs()) == 1


def test_a_window_filled_by_the_missing_data_policy_records_and_reruns_identical(
    tmp_path: Path, wave_csv: Path
) -> None:
    lines = wave_csv.read_text().splitlines()
    wave_csv.write_text("\n".join(lines[:100] + lines[101:]) + "\n")  # one session missing
    reg = tmp_path / "reg"
    run_id = _backtest(wave_csv, reg, "--missing-data", "ffill")
    with Registry.open(reg) as registry:
        record = registry.get(run_id)
    # The engine saw a filled window, not a cut of the file: that window is what is pinned.
    assert record.dataset_snapshot_id is None
    again = runner.invoke(app, ["runs", "rerun", run_id, "--registry", str(reg)])
    assert again.exit_code == 0 and "rerun identical" in again.output, again.output
