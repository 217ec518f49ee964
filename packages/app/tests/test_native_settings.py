"""Native execution settings go with the native engine only, and the config records them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from finbot_fakes import FakeWiring

from finbot.app import make_config, prepare_run
from finbot.contracts import ConfigError, NativeExecution


def test_a_native_config_records_the_defaults_and_other_engines_none(
    fake_wiring: FakeWiring,
) -> None:
    assert make_config(engine="nautilus-native").native == NativeExecution()
    assert make_config().native is None
    given = make_config(engine="nautilus-native", native={"latency_ms": 5})
    assert given.native == NativeExecution(latency_ms=5.0)


def test_a_bad_native_value_names_the_field(fake_wiring: FakeWiring) -> None:
    with pytest.raises(ConfigError, match="prob_slippage"):
        make_config(engine="nautilus-native", native={"prob_slippage": 2})


def test_parity_gives_the_settings_to_the_native_engine_only(fake_wiring: FakeWiring) -> None:
    prepared = prepare_run(make_config(engine="fake"))
    native = prepared.on_engine("nautilus-native").config
    assert native.native == NativeExecution()
    latency = native.model_copy(update={"native": NativeExecution(latency_ms=10.0)})
    back = replace(prepared, config=latency).on_engine("fake").config
    assert (back.engine, back.native) == ("fake", None)
    assert back.canonical_json() == prepared.config.canonical_json()


def test_a_hand_built_config_with_settings_for_another_engine_is_refused(
    fake_wiring: FakeWiring,
) -> None:
    config = make_config(engine="fake").model_copy(update={"native": NativeExecution()})
    with pytest.raises(ConfigError, match="apply only to engine nautilus-native"):
        prepare_run(config)
