"""The habits quants bring from other tools: a run file, tags and names, ids in JSON, versions."""

from __future__ import annotations

import json
from pathlib import Path

from finbot_fakes import FakeWiring
from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app

runner = CliRunner()


def test_config_file_sets_every_option_and_the_command_line_wins(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    run_file = tmp_path / "run.toml"
    run_file.write_text(
        'start = 2020-01-03\nend = "2020-01-30"\ncash = 50000\ncommission = 5\n'
        'commission-per-share = 0.01\nslippage_bps = 2\nfill_policy = "this_close"\n'
        'tags = ["study"]\nname = "first"\n[params]\nfraction = 0.3\ninstrument = "BBB"\n'
    )
    result = runner.invoke(app, ["backtest", "--config", str(run_file), "--cash", "70000",
                                 "--json"])
    assert result.exit_code == 0, result.output
    config, _, _ = fake_wiring.engine.calls[-1]
    assert (str(config.start), str(config.end)) == ("2020-01-03", "2020-01-30")
    assert config.starting_cash == 70000  # the command line beats the file's 50000
    costs = config.cost_model
    assert (costs.commission_bps, costs.commission_per_share, costs.slippage_bps) == (5, 0.01, 2)
    assert config.fill_policy.value == "this_close"
    assert config.strategy.params["fraction"] == 0.3
    assert config.strategy.params["instrument"] == "BBB"
    run_id = json.loads(result.stdout)["run_id"]
    listed = runner.invoke(app, ["runs", "list", "--json", "--tag", "name:first"])
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.stdout)
    assert [r["run_id"] for r in records] == [run_id]
    assert records[0]["tags"] == ["name:first", "study"]
    assert records[0]["config"]["starting_cash"] == 70000


def test_config_file_with_an_unknown_key_names_the_file_and_key(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    run_file = tmp_path / "run.toml"
    run_file.write_text("comission = 5\n")
    result = runner.invoke(app, ["backtest", "--config", str(run_file)])
    assert result.exit_code == EXIT_USAGE
    assert "run.toml" in result.output and "'comission'" in result.output
    assert fake_wiring.engine.calls == []


def test_json_summary_carries_the_run_id_or_null(fake_wiring: FakeWiring) -> None:
    recorded = runner.invoke(app, ["backtest", "--json"])
    assert recorded.exit_code == 0, recorded.output
    run_id = json.loads(recorded.stdout)["run_id"]
    assert isinstance(run_id, str) and len(run_id) == 26
    assert f"recorded run {run_id}" in recorded.stderr
    unrecorded = runner.invoke(app, ["backtest", "--json", "--no-record"])
    assert json.loads(unrecorded.stdout)["run_id"] is None


def test_version_names_every_finbot_distribution() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    first, *rest = result.stdout.splitlines()
    assert first.startswith("finbot-cli ")
    assert any("finbot-contracts" in line for line in rest)


def test_shell_completion_is_offered() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


def test_output_with_a_symlink_out_of_it_is_refused_before_the_run(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("precious")
    (out / "result.json").symlink_to(elsewhere)
    result = runner.invoke(app, ["backtest", "--output", str(out), "--no-record"])
    assert result.exit_code == EXIT_USAGE
    assert "symlink" in result.output and "result.json" in result.output
    assert fake_wiring.engine.calls == []  # found before the run
    assert elsewhere.read_text() == "precious"


def test_a_symlink_inside_the_output_directory_is_fine(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "latest").symlink_to(out / "old")
    result = runner.invoke(app, ["backtest", "--output", str(out), "--no-record"])
    assert result.exit_code == 0, result.output
    assert (out / "result.json").is_file()


def test_output_inside_a_file_is_refused_before_the_run(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = runner.invoke(app, ["backtest", "--output", str(blocker / "sub"), "--no-record"])
    assert result.exit_code == EXIT_USAGE
    assert "is a file" in result.output
    assert fake_wiring.engine.calls == []


def test_runs_list_strategy_matches_a_file_strategys_declared_id(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    source = tmp_path / "my_breakout.py"
    source.write_text(
        "from typing import ClassVar\n"
        "from finbot.contracts import Strategy\n"
        "class Breakout(Strategy):\n"
        "    strategy_id: ClassVar[str] = 'breakout'\n"
    )
    ref = f"{source}:Breakout"
    ran = runner.invoke(app, ["backtest", "--strategy", ref, "--json"])
    assert ran.exit_code == 0, ran.output
    run_id = json.loads(ran.stdout)["run_id"]
    assert runner.invoke(app, ["backtest", "--json"]).exit_code == 0  # another strategy
    for name in ("breakout", ref):
        listed = runner.invoke(app, ["runs", "list", "--json", "--strategy", name])
        assert listed.exit_code == 0, listed.output
        assert [r["run_id"] for r in json.loads(listed.stdout)] == [run_id], name
