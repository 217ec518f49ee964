from __future__ import annotations

import math
from datetime import date

import pytest
from finbot_fakes import BuyAndHold, FakeEngine, FakeWiring, make_market_data

from finbot.app import _wiring, load_strategy, make_config, make_engine, run_backtest
from finbot.contracts import ConfigError, DatasetRef, FillPolicy, session_date


def test_make_config_defaults_to_golden_strategy_and_embedded_data(
    fake_wiring: FakeWiring,
) -> None:
    config = make_config()
    assert config.strategy.id == "buy_and_hold"
    assert config.dataset == DatasetRef(name="fake")
    assert config.engine == "fake"
    assert config.fill_policy is FillPolicy.NEXT_OPEN


def test_make_config_with_files_labels_the_dataset_by_file_stems(fake_wiring: FakeWiring) -> None:
    config = make_config(data=["x/orcl.csv", "y/nvda.parquet"])
    assert config.dataset.name == "orcl+nvda"
    assert config.dataset.paths == ("x/orcl.csv", "y/nvda.parquet")


def test_end_before_start_is_a_config_error_naming_both_dates(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError, match="end 2020-01-01 is before start 2021-01-01"):
        make_config(start=date(2021, 1, 1), end=date(2020, 1, 1))


def test_negative_commission_names_the_field(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError, match=r"cost_model\.commission_bps"):
        make_config(commission_bps=-1)


def test_a_commission_preset_is_the_base_and_given_values_override_it(
    fake_wiring: FakeWiring,
) -> None:
    ib = make_config(commission_preset="ib_fixed").cost_model
    assert (ib.commission_per_share, ib.commission_minimum, ib.commission_maximum_bps) == (
        0.005,
        1.0,
        100.0,
    )
    tuned = make_config(
        commission_preset="ib_fixed", commission_per_share=0.0035, commission_fixed=0.25
    ).cost_model
    assert (tuned.commission_per_share, tuned.commission_fixed, tuned.commission_minimum) == (
        0.0035,
        0.25,
        1.0,
    )
    # without a preset the new options set the schedule directly
    plain = make_config(commission_per_share=0.01, commission_maximum=7.5).cost_model
    assert (plain.commission_maximum, plain.commission_maximum_bps) == (7.5, None)
    assert plain.commission(2000, 30.0) == 7.5
    with pytest.raises(ConfigError, match="unknown preset 'ibkr'; known: ib_fixed"):
        make_config(commission_preset="ibkr")
    with pytest.raises(ConfigError, match=r"cost_model\.commission_maximum_bps"):
        make_config(commission_maximum_bps=-1)


def test_run_stores_the_resolved_config(fake_wiring: FakeWiring) -> None:
    result = run_backtest(make_config(params={"fraction": 0.25}))
    params = result.config.strategy.params
    assert params == {"fraction": 0.25, "instrument": None}
    assert result.config.dataset.snapshot_id == fake_wiring.data.snapshot_id()
    assert result.data_snapshot_id == fake_wiring.data.snapshot_id()
    assert fake_wiring.loaded == [DatasetRef(name="fake")]
    assert result.metrics.fill_count == 1
    assert result.metrics.final_equity == result.equity_curve.equity[-1]


def test_equal_runs_give_equal_hashes_whether_defaults_are_spelled_or_not(
    fake_wiring: FakeWiring,
) -> None:
    implicit = run_backtest(make_config())
    explicit = run_backtest(make_config(params={"fraction": 0.5}))
    assert implicit.config.config_hash() == explicit.config.config_hash()
    assert implicit.content_hash() == explicit.content_hash()


def test_start_and_end_restrict_the_data(fake_wiring: FakeWiring) -> None:
    run_backtest(make_config(start=date(2020, 1, 5), end=date(2020, 1, 20)))
    _, _, seen = fake_wiring.engine.calls[-1]
    stamps = [ts for s in seen for ts in s.ts_ns]
    assert min(session_date(t) for t in stamps) == date(2020, 1, 5)
    assert max(session_date(t) for t in stamps) == date(2020, 1, 20)


def test_explicit_data_bypasses_loading(fake_wiring: FakeWiring) -> None:
    data = make_market_data(("ZZZ",), days=10)
    result = run_backtest(make_config(), data=data)
    assert fake_wiring.loaded == []
    assert result.data_snapshot_id == data.snapshot_id()
    assert result.fills[0].instrument_id == "ZZZ"


def test_explicit_engine_must_match_the_config(fake_wiring: FakeWiring) -> None:
    other = FakeEngine()
    other.name = "other"
    with pytest.raises(ConfigError, match="engine 'other' was passed but the config names engine"):
        run_backtest(make_config(), engine=other)


def test_unknown_parameter_lists_declared_ones(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError) as info:
        run_backtest(make_config(params={"fast": 3}))
    message = str(info.value)
    assert "'fast': unknown parameter" in message
    assert "fraction, instrument" in message


def test_bad_parameter_type_names_the_field(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError, match="'fraction'"):
        run_backtest(make_config(params={"fraction": "lots"}))


def test_no_bars_in_the_date_range_is_a_config_error(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError, match="no bars between 2030-01-01 and its end"):
        run_backtest(make_config(start=date(2030, 1, 1)))


def test_pinned_snapshot_that_differs_is_refused(fake_wiring: FakeWiring) -> None:
    config = make_config()
    pinned = config.model_copy(
        update={"dataset": config.dataset.model_copy(update={"snapshot_id": "0" * 64})}
    )
    with pytest.raises(ConfigError, match="the data changed"):
        run_backtest(pinned)


def test_missing_data_file_is_named(fake_wiring: FakeWiring, tmp_path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(ConfigError, match=r"data file not found: .*nope\.csv"):
        run_backtest(make_config(data=[missing]))


def test_unknown_engine_lists_available(fake_wiring: FakeWiring) -> None:
    with pytest.raises(
        ConfigError, match=r"unknown engine 'zipline'; available engines: .*backtrader"
    ):
        make_engine("zipline")


def test_engine_whose_package_is_missing_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def factory(verbose: bool) -> FakeEngine:
        raise ModuleNotFoundError("No module named 'finbot.engine_x'", name="finbot.engine_x")

    monkeypatch.setitem(_wiring.ENGINES, "absent", (factory, "finbot-engine-absent"))
    monkeypatch.setitem(_wiring.ENGINE_PACKAGES, "absent", frozenset({"finbot.engine_x"}))
    with pytest.raises(
        ConfigError, match=r"engine 'absent' is not installed.*pip install finbot-engine-absent"
    ):
        make_engine("absent")


def test_user_strategy_from_the_golden_fake_resolves(fake_wiring: FakeWiring) -> None:
    assert load_strategy("buy_and_hold") is BuyAndHold


def test_prepare_run_resolves_the_config_and_cuts_the_window_once(fake_wiring: FakeWiring) -> None:
    from finbot.app import prepare_run, run_prepared

    prepared = prepare_run(make_config(start=date(2020, 1, 5), end=date(2020, 1, 20)))
    assert prepared.strategy_cls is BuyAndHold
    assert prepared.config.strategy.params == {"fraction": 0.5, "instrument": None}
    assert prepared.config.dataset.snapshot_id == fake_wiring.data.snapshot_id()
    assert prepared.data.bar_count == 2 * 16
    other = FakeEngine()
    first = run_prepared(prepared)
    second = run_prepared(prepared, engine=other)
    assert fake_wiring.loaded == [DatasetRef(name="fake")]
    assert first.content_hash() == second.content_hash()
    assert first.data_snapshot_id == prepared.data.snapshot_id()
    # Strategies keep state: each engine run gets its own instance of the prepared strategy.
    (_, used_first, _), (_, used_second, _) = fake_wiring.engine.calls[-1], other.calls[-1]
    assert used_first is not used_second


def test_the_default_dataset_is_finbot_datas_own_default() -> None:
    # The composition root names it rather than importing finbot.data (pandas) to ask.
    from finbot.data import DEFAULT_DATASET, EMBEDDED_DATASETS

    assert _wiring.DEFAULT_DATASET == DEFAULT_DATASET
    assert DEFAULT_DATASET in EMBEDDED_DATASETS


def test_run_backtest_records_when_asked(fake_wiring: FakeWiring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from finbot.app import open_registry

    location = str(tmp_path / "notebook-registry")
    result = run_backtest(make_config(), record=True, registry=location, tags=("nb",))
    with open_registry(location, create=False) as registry:
        runs = registry.runs()
        assert [r.status.value for r in runs] == ["finished"]
        assert runs[0].tags == ("nb",)
        assert registry.load_result(runs[0].run_id) == result
    run_backtest(make_config())  # record=False (the default) writes nothing
    with open_registry(location, create=False) as registry:
        assert len(registry.runs()) == 1


def test_timezone_places_naive_intraday_stamps_and_stays_out_of_old_hashes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from finbot.app import load_data
    from finbot.contracts import to_ns

    path = tmp_path / "zzz.csv"
    path.write_text(
        "Date,Time,Open,High,Low,Close,Volume\n"
        "2024-01-02,09:30:00,10,11,9.5,10.5,100\n"
        "2024-01-02,09:35:00,10.5,12,10,11.5,100\n"
    )
    config = make_config(data=[path], timezone="America/New_York", calendar="24/7")
    bars = load_data(config.dataset).bars("ZZZ")
    assert bars.ts_ns[0] == to_ns(datetime(2024, 1, 2, 14, 30, tzinfo=UTC))  # 09:30 EST
    plain = make_config(data=[path], calendar="24/7")
    assert '"timezone":' not in plain.canonical_json()  # configs without it hash as before
    assert '"timezone":"America/New_York"' in config.canonical_json()
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Base'"):
        make_config(data=[path], timezone="Mars/Base")


def test_a_non_finite_metric_or_equity_fails_the_run_instead_of_being_reported(
    fake_wiring: FakeWiring,
) -> None:
    from finbot.app._backtest import check_finite_numbers
    from finbot.contracts import EngineRunError

    result = run_backtest(make_config())
    check_finite_numbers(result)  # an ordinary run passes
    bad = result.model_copy(
        update={"metrics": result.metrics.model_copy(update={"sharpe": math.inf})}
    )
    with pytest.raises(EngineRunError, match="metric sharpe = inf"):
        check_finite_numbers(bad)
    curve = result.equity_curve.model_copy(
        update={"equity": (*result.equity_curve.equity[:-1], math.nan)}
    )
    with pytest.raises(EngineRunError, match="equity nan at"):
        check_finite_numbers(result.model_copy(update={"equity_curve": curve}))
