"""``finbot parity`` against fake engines: agreement, breaches, tolerances, output and errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from finbot_fakes import FakeEngine, FakeWiring
from typer.testing import CliRunner

from finbot.app import _wiring
from finbot.cli import EXIT_USAGE, app, make_config, run_parity
from finbot.contracts import (
    BacktestResult,
    ConfigError,
)
from finbot.parity import EXACT

runner = CliRunner()


@pytest.fixture
def engines(fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch) -> FakeWiring:
    """Adds 'twin' (agrees with 'fake'), 'off' (fills 1% higher), 'noise' (1e-13 higher)."""
    for name, scale in (("twin", 1.0), ("off", 1.01), ("noise", 1.0 + 1e-13)):
        engine = FakeEngine(name, adapter="test", price=lambda p, k=scale: p * k)
        monkeypatch.setitem(_wiring.ENGINES, name, (lambda v, e=engine: e, f"{name}-dist"))
    return fake_wiring


def invoke(*args: str):
    return runner.invoke(app, ["parity", *args])


def test_agreeing_engines_exit_0_with_a_side_by_side_report(engines: FakeWiring) -> None:
    result = invoke("--engines", "fake,twin")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("finbot parity (next_open)", "fake (baseline) vs twin", "final_equity", "sharpe",
                 "orders", "fills", "First diverging fill: none", "PARITY OK (exact)",
                 "Largest daily equity gap: 0 bp", "1 of 1 comparison(s) within exact"):
        assert text in out, text
    # Parity runs are recorded like any backtest (issue 4): one line per engine run, on stderr.
    recorded = [line.rsplit(" ", 1)[0] for line in result.stderr.splitlines()]
    assert recorded == ["recorded fake run", "recorded twin run"]


def test_a_price_disagreement_exits_1_and_names_the_first_diverging_fill(
    engines: FakeWiring,
) -> None:
    result = invoke("--engines", "fake,off")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "PARITY BREACHED" in out
    assert "First diverging fill: #0 (price): 2020-01-02T00:00:00+00:00 buy" in out
    # Both prices of the first fill: the fake's next open (100.5 + 1 on day 2), and 1% above it.
    assert "prices 101.5 vs 102.515" in out
    assert "fill sequences differ at #0 (price)" in out
    assert "parity breached: 1 comparison(s) outside the 'exact' tolerance" in result.stderr


def test_json_report_is_the_only_stdout_and_carries_every_figure(engines: FakeWiring) -> None:
    result = invoke("--engines", "fake,off", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["tolerance"] == "exact"
    assert payload["engines"] == ["fake", "off"]
    (run,) = payload["runs"]
    assert run["fill_policy"] == "next_open"
    assert [r["engine"]["name"] for r in run["results"]] == ["fake", "off"]
    (report,) = run["comparisons"]
    assert report["ok"] is False
    assert report["fill_counts"] == [1, 1] and report["order_counts"] == [1, 1]
    fill = report["first_fill_divergence"]
    assert fill["field"] == "price" and fill["index"] == 0
    assert fill["right"]["price"] == pytest.approx(fill["left"]["price"] * 1.01)
    assert report["max_fill_price_rel"] == pytest.approx(0.01 / 1.01)
    assert report["final_equity_gap_bp"] > 0 and report["max_daily_equity_gap_bp"] > 0
    left_fe, right_fe = report["final_equity"]
    assert run["results"][0]["final_equity"] == left_fe
    assert run["results"][1]["final_equity"] == right_fe
    final = next(m for m in report["metrics"] if m["name"] == "final_equity")
    assert final["difference"] == pytest.approx(right_fe - left_fe)


def test_spec_tolerance_accepts_float_noise_that_exact_refuses(engines: FakeWiring) -> None:
    exact = invoke("--engines", "fake,noise", "--json")
    spec = invoke("--engines", "fake,noise", "--json", "--tolerance", "spec")
    assert exact.exit_code == 1 and spec.exit_code == 0, spec.output
    exact_report = json.loads(exact.stdout)["runs"][0]["comparisons"][0]
    spec_report = json.loads(spec.stdout)["runs"][0]["comparisons"][0]
    assert exact_report["first_fill_divergence"]["field"] == "price"
    assert spec_report["first_fill_divergence"] is None
    assert spec_report["tolerance"]["fill_price_rel"] == 1e-9


def test_both_fill_policies_run_on_data_loaded_once(engines: FakeWiring) -> None:
    result = invoke("--engines", "fake,twin", "--fill-policy", "both", "--json")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert [r["fill_policy"] for r in runs] == ["next_open", "this_close"]
    assert [r["config"]["fill_policy"] for r in runs] == ["next_open", "this_close"]
    assert len(engines.loaded) == 1


def test_options_reach_every_engine_config(engines: FakeWiring) -> None:
    result = invoke(
        "--engines", "fake,fake", "--start", "2020-01-03", "--end", "2020-01-30",
        "--commission", "5", "--cash", "50000", "-p", "instrument=BBB", "-p", "fraction=0.3",
    )
    assert result.exit_code == 0, result.output
    first, second = engines.engine.calls[-2:]
    assert first[0] == second[0]
    config = first[0]
    assert (config.engine, str(config.start), str(config.end)) == ("fake", "2020-01-03",
                                                                   "2020-01-30")
    assert config.cost_model.commission_bps == 5 and config.starting_cash == 50000
    assert config.strategy.params == {"fraction": 0.3, "instrument": "BBB"}


def test_output_writes_the_report_and_each_engine_result(
    engines: FakeWiring, tmp_path: Path
) -> None:
    out = tmp_path / "parity"
    result = invoke("--engines", "fake,fake", "--json", "--output", str(out))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    written = json.loads((out / "parity.json").read_text())
    assert written == printed
    assert written["output_files"][0] == str(out / "parity.json")
    for sub in ("fake", "fake-2"):
        stored = BacktestResult.from_json((out / "next_open" / sub / "result.json").read_text())
        hashes = [r["result_hash"] for r in printed["runs"][0]["results"]]
        assert stored.content_hash() in hashes


def test_record_stores_one_registry_run_per_engine(engines: FakeWiring) -> None:
    from finbot.registry import Registry

    result = invoke("--engines", "fake,twin", "--record")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("recorded ") == 2
    with Registry.open(None) as registry:
        assert sorted(r.engine_name for r in registry.runs()) == ["fake", "twin"]


def test_runs_are_recorded_by_default_with_their_duration(
    engines: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finbot.registry import Registry, RunStatus

    # An engine whose run takes 0.3 s of wall time: its record, written `running` before the run
    # and finished after it, spans that; the fake engine's record does not.
    slow = FakeEngine("slow", adapter="test")
    run = slow.run

    def sleepy(*args: Any) -> BacktestResult:
        time.sleep(0.3)
        return run(*args)

    monkeypatch.setattr(slow, "run", sleepy)
    monkeypatch.setitem(_wiring.ENGINES, "slow", (lambda v: slow, "slow-dist"))
    assert invoke("--engines", "fake,slow").exit_code == 0
    with Registry.open(None) as registry:
        records = {r.engine_name: r for r in registry.runs()}
    assert {r.status for r in records.values()} == {RunStatus.FINISHED}
    durations = {name: r.duration_seconds or 0.0 for name, r in records.items()}
    assert durations["slow"] >= 0.3 > durations["fake"] > 0


def test_no_record_records_nothing(engines: FakeWiring) -> None:
    from finbot.registry import Registry

    result = invoke("--engines", "fake,twin", "--no-record")
    assert result.exit_code == 0, result.output
    assert "recorded" not in result.stderr
    with Registry.open(None) as registry:
        assert registry.runs() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--engines", "fake"), "at least two comma-separated engines"),
        (("--engines", "fake,nope"), "unknown engine 'nope'"),
        (("--engines", "fake,twin", "--tolerance", "loose"), "unknown --tolerance 'loose'"),
        (("--engines", "fake,twin", "-p", "fast=3"), "'fast': unknown parameter"),
        (("--engines", "fake,twin", "--fill-policy", "sometimes"), "sometimes"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    engines: FakeWiring, args: tuple[str, ...], message: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_run_parity_api_compares_each_engine_with_the_first(engines: FakeWiring) -> None:
    config = make_config(engine="fake")
    run = run_parity(config, ["fake", "twin", "off"], tolerance=EXACT)
    assert run.engines == ("fake", "twin", "off")
    assert [r.right_engine for r in run.reports] == ["twin", "off"]
    assert [r.ok for r in run.reports] == [True, False]
    assert not run.ok
    with pytest.raises(ConfigError, match="at least two engines"):
        run_parity(config, ["fake"])


def test_record_with_both_policies_loads_the_data_once(engines: FakeWiring) -> None:
    from finbot.registry import Registry

    result = invoke("--engines", "fake,twin", "--fill-policy", "both", "--record", "--json")
    assert result.exit_code == 0, result.output
    assert len(engines.loaded) == 1
    printed = {
        (r["engine"]["name"], r["config_hash"])
        for run in json.loads(result.stdout)["runs"]
        for r in run["results"]
    }
    with Registry.open(None) as registry:
        records = registry.runs()
    assert {(r.engine_name, r.config_hash) for r in records} == printed
    assert len(records) == 4
    assert {r.strategy.params["fraction"] for r in records} == {0.5}
    assert {r.data_snapshot_id for r in records} == {engines.data.snapshot_id()}


def test_report_page_highlights_the_first_diverging_fill(
    engines: FakeWiring, tmp_path: Path
) -> None:
    page = tmp_path / "parity.html"
    result = invoke("--engines", "fake,off", "--report", str(page))
    assert result.exit_code == 1, result.output  # the engines disagree; the page is still written
    html = page.read_text()
    assert "DISAGREE" in html
    row = html.split('<tr class="highlight">')[1].split("</tr>")[0]
    assert row.startswith("<td class=num>0</td>")  # every fill differs in price: #0 first
    assert 'id="chart-equity_0"' in html and 'id="chart-gap_0"' in html


def test_the_report_measures_each_fill_in_bp(engines: FakeWiring) -> None:
    # 'off' fills 1 % above the baseline: 100 bp on the one fill, a cost to the buyer.
    result = invoke("--engines", "fake,off", "--json")
    (diff,) = json.loads(result.stdout)["runs"][0]["fill_differences"]
    assert (diff["left_engine"], diff["right_engine"], diff["matched"]) == ("fake", "off", 1)
    assert diff["max_abs_price_bp"] == pytest.approx(100.0)
    assert diff["fills"][0]["cost_bp"] == pytest.approx(100.0)
    text = invoke("--engines", "fake,off").stdout
    assert "Fill by fill: 1 paired, mean |difference| 100 bp, largest 100 bp" in text


def test_parity_progress_counts_every_step_of_every_engine_run(engines: FakeWiring) -> None:
    from finbot.app import compare_engines, make_config, prepare_run, step_count
    from finbot.cli._progress import ChainedSteps

    prepared = prepare_run(make_config())
    steps = step_count(prepared.data)
    seen: list[int] = []
    compare_engines(prepared, ["fake", "twin"], on_step=seen.append)
    assert seen == list(range(1, steps + 1)) * 2
    # `finbot parity` shows them on one bar: the second run's steps follow the first's.
    shown: list[int] = []
    chained = ChainedSteps(shown.append, steps)
    for step in seen:
        chained(step)
    assert shown == list(range(1, 2 * steps + 1))
