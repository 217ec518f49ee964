from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from finbot_fakes import FakeWiring

from finbot.app import BatchSpecError, load_batch_file, parse_batch, plan_batch
from finbot.contracts import ConfigError


def test_every_bad_field_of_a_batch_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "batch.toml"
    path.write_text(
        """
        strategy = "buy_and_hold"
        metric = "happiness"
        cash = -5
        color = "red"
        [grid]
        fraction = []
        [execution]
        executor = "cloud"
        retries = -1
        """
    )
    with pytest.raises(BatchSpecError) as info:
        load_batch_file(path)
    problems = info.value.problems
    assert str(path) in str(info.value)
    assert len(problems) == 6, problems
    for fragment in ("grid", "metric", "cash", "color", "execution.executor", "execution.retries"):
        assert any(p.startswith(fragment) for p in problems), (fragment, problems)


def test_a_file_that_is_not_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("strategy = \n")
    with pytest.raises(ConfigError, match=r"bad.toml is not valid TOML.*line 1"):
        load_batch_file(path)


def test_grid_values_in_toml_may_be_range_strings() -> None:
    spec = parse_batch({"grid": {"fast": "5:15:5", "slow": [30, 40]}})
    assert spec.grid == {"fast": [5, 10, 15], "slow": [30, 40]}
    assert spec.run_count == 6


def test_planning_reports_strategy_params_engine_and_data_problems_together(
    fake_wiring: FakeWiring, tmp_path: Path
) -> None:
    spec = parse_batch(
        {
            "grid": {"fraction": [0.5, "lots"], "bogus": [1]},
            "engines": ["fake", "warp"],
            "datasets": [{"name": "fake"}, {"paths": [str(tmp_path / "missing.csv")]}],
        }
    )
    with pytest.raises(BatchSpecError) as info:
        plan_batch(spec)
    text = "\n".join(info.value.problems)
    assert "unknown engine 'warp'" in text
    assert "missing.csv" in text
    assert "bogus" in text and "unknown parameter" in text
    assert "lots" in text  # the one combination whose fraction is not a number
    assert len(info.value.problems) >= 4


def test_a_valid_plan_pins_each_dataset_once_and_gives_distinct_run_keys(
    fake_wiring: FakeWiring,
) -> None:
    plan = plan_batch(parse_batch({"grid": {"fraction": [0.2, 0.4, 0.6]}}))
    assert len(plan.runs) == 3
    assert fake_wiring.loaded == [fake_wiring.loaded[0]]  # loaded once for three runs
    assert len({run.key for run in plan.runs}) == 3
    [snapshot] = plan.data
    assert all(run.config.dataset.snapshot_id == snapshot for run in plan.runs)
    assert [run.config.strategy.params["fraction"] for run in plan.runs] == [0.2, 0.4, 0.6]
    # The same plan again gives the same keys: keys are what resuming matches on.
    assert [r.key for r in plan_batch(plan.spec).runs] == [r.key for r in plan.runs]


def test_a_batch_gives_its_native_settings_to_the_native_engine_only(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finbot.app import _wiring

    engine = fake_wiring.engine
    monkeypatch.setitem(_wiring.ENGINES, "nautilus-native", (lambda verbose: engine, "fake-dist"))
    spec = parse_batch(
        {"engines": ["fake", "nautilus-native"], "native": {"latency_ms": 10, "account": "cash"}}
    )
    plan = plan_batch(spec)
    native = {run.engine: run.config.native for run in plan.runs}
    assert native["fake"] is None
    assert native["nautilus-native"] is not None
    assert (native["nautilus-native"].latency_ms, native["nautilus-native"].account) == (
        10.0,
        "cash",
    )
    with pytest.raises(BatchSpecError, match="native: settings for an engine that honours"):
        plan_batch(parse_batch({"engines": ["fake"], "native": {"latency_ms": 10}}))
    with pytest.raises(ConfigError, match="prob_slippage"):
        parse_batch({"native": {"prob_slippage": 2}})


def test_a_batch_runs_every_run_on_its_account(fake_wiring: FakeWiring) -> None:
    spec = parse_batch(
        {"grid": {"fraction": [0.2, 0.4]}, "account": {"kind": "margin", "borrow_rate": 0.03}}
    )
    accounts = {run.config.account for run in plan_batch(spec).runs}
    assert [(a.kind, a.initial_margin, a.borrow_rate, a.day_count) for a in accounts] == [
        ("margin", 0.5, 0.03, 360)
    ]
    assert {run.config.account.kind for run in plan_batch(parse_batch({})).runs} == {"cash"}
    with pytest.raises(BatchSpecError, match="account"):
        parse_batch({"account": {"kind": "cash", "funding_rate": 0.05}})


def test_a_dataset_may_have_its_own_window_instead_of_the_batchs(
    fake_wiring: FakeWiring,
) -> None:
    # The fake dataset has a session a day from 2020-01-01 to 2020-02-09.
    plan = plan_batch(parse_batch({
        "start": "2020-01-11",
        "datasets": [{"name": "fake", "end": "2020-01-20"},
                     {"name": "fake", "start": "2020-02-01"}],
    }))
    windows = [(r.config.start, r.config.end) for r in plan.runs[:2]]
    assert windows == [(date(2020, 1, 11), date(2020, 1, 20)), (date(2020, 2, 1), None)]
    assert [plan.window(r).bar_count for r in plan.runs[:2]] == [2 * 10, 2 * 9]
    assert plan.runs[0].key != plan.runs[1].key


def test_a_datasets_own_window_without_bars_is_refused_by_its_place(
    fake_wiring: FakeWiring,
) -> None:
    with pytest.raises(BatchSpecError) as info:
        plan_batch(parse_batch({"datasets": [
            {"name": "fake"}, {"name": "fake", "start": "2019-12-01", "end": "2019-12-31"},
        ]}))
    assert info.value.problems == [
        "datasets[1]: dataset 'fake' has no bars between 2019-12-01 and 2019-12-31"
    ]
