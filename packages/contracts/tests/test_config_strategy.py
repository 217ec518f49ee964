"""RunConfig's canonical JSON and hash, and strategy parameter validation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date

import pytest
from pydantic import ValidationError

from finbot.contracts import (
    ConfigError,
    CostModel,
    DatasetRef,
    RunConfig,
    Strategy,
    StrategyParams,
    StrategySpec,
    canonical_json,
)

FIXED_CANONICAL = (
    '{"account":{"borrow_rate":0.0,"day_count":360,"funding_rate":0.0,"initial_margin":0.5,'
    '"kind":"cash"},"cost_model":{"commission_bps":5.0,"commission_fixed":0.0,'
    '"commission_maximum":null,'
    '"commission_maximum_bps":null,"commission_minimum":0.0,"commission_per_share":0.005,'
    '"commission_tiers":[],"impact_window":20,"impact_y":0.0,"rounding":"cent","slippage_bps":0.0,'
    '"spread_bps":0.0,"volume_impact":0.0,"volume_limit":null},"currency":"USD",'
    '"dataset":{"allow":[],"calendar":null,'
    '"name":"demo","paths":[],"prices":"total-return","snapshot_id":null},"end":"2020-12-31",'
    '"engine":"backtrader",'
    '"fill_policy":"this_close","missing_data":"raise","seed":0,"start":"2020-01-01",'
    '"starting_cash":50000.0,"strategy":{"id":"sma_crossover","params":{"fast":10,"slow":30}}}'
)
# Frozen on purpose: a change here means every stored config hash changes (see ADR 0004).
# Result schema 2 added dataset.calendar, dataset.allow and missing_data (was e8ecd2ed...);
# schema 3 added the commission-schedule fields of the cost model (was 0dabd73f...);
# schema 4 added the spread, volume-share and impact fields (was 8c4c852c...); schema 5's
# `native` is stored only when set, so this hash did not change; schema 6 added dataset.prices,
# the price mode (was fde471e9...); schema 8 the account: cash, margin or unchecked, financing
# rates (was 60db2fee...).
FIXED_HASH = "cde87ad11eeedfddeffe4d54b58f66457a3ce613bbb9f238275ad6f3604f3bcf"


def fixed_payload() -> dict[str, object]:
    return {
        "strategy": {"id": "sma_crossover", "params": {"fast": 10, "slow": 30}},
        "dataset": {"name": "demo"},
        "start": "2020-01-01",
        "end": "2020-12-31",
        "starting_cash": 50_000,
        "cost_model": {"commission_bps": 5, "commission_per_share": 0.005},
        "fill_policy": "this_close",
    }


def test_fixed_config_has_the_frozen_canonical_form_and_hash() -> None:
    config = RunConfig.model_validate(fixed_payload())
    assert config.canonical_json() == FIXED_CANONICAL
    assert config.config_hash() == FIXED_HASH
    assert hashlib.sha256(FIXED_CANONICAL.encode()).hexdigest() == FIXED_HASH


def test_hash_ignores_key_order_and_input_spelling() -> None:
    payload = fixed_payload()
    reordered = dict(reversed(list(payload.items())))
    reordered["strategy"] = {"params": {"slow": 30, "fast": 10}, "id": "sma_crossover"}
    typed = RunConfig(
        strategy=StrategySpec(id="sma_crossover", params={"slow": 30, "fast": 10}),
        dataset=DatasetRef(name="demo", paths=()),
        start=date(2020, 1, 1),
        end=date(2020, 12, 31),
        starting_cash=50_000.0,
        cost_model=CostModel(commission_per_share=0.005, commission_bps=5.0),
        fill_policy="this_close",  # type: ignore[arg-type]
    )
    hashes = {
        RunConfig.model_validate(payload).config_hash(),
        RunConfig.model_validate(reordered).config_hash(),
        RunConfig.model_validate_json(json.dumps(reordered)).config_hash(),
        typed.config_hash(),
    }
    assert hashes == {FIXED_HASH}


@pytest.mark.parametrize(
    "change",
    [
        {"starting_cash": 50_000.01},
        {"fill_policy": "next_open"},
        {"engine": "nautilus"},
        {"seed": 1},
        {"end": "2020-12-30"},
        {"strategy": {"id": "sma_crossover", "params": {"fast": 11, "slow": 30}}},
        {"cost_model": {"commission_bps": 5, "commission_per_share": 0.005, "rounding": "none"}},
        {"dataset": {"name": "demo", "snapshot_id": "0" * 64}},
    ],
)
def test_any_change_changes_the_hash(change: dict[str, object]) -> None:
    payload = {**fixed_payload(), **change}
    assert RunConfig.model_validate(payload).config_hash() != FIXED_HASH


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="end 2020-01-01 is before start 2020-02-01"):
        RunConfig.model_validate({**fixed_payload(), "start": "2020-02-01", "end": "2020-01-01"})
    with pytest.raises(ValidationError):
        RunConfig.model_validate({**fixed_payload(), "starting_cash": 0})
    with pytest.raises(ValidationError):
        RunConfig.model_validate({**fixed_payload(), "colour": "red"})
    with pytest.raises(ValidationError):
        DatasetRef(name="demo", snapshot_id="not-a-sha")


def test_canonical_json_refuses_nan() -> None:
    assert canonical_json({"b": 1, "a": [1.5, None]}) == '{"a":[1.5,null],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


# --- strategy parameters ---------------------------------------------------------------------


class Crossover(Strategy):
    strategy_id = "crossover"

    class Params(StrategyParams):
        fast: int = 10
        slow: int = 30
        size: float = 1.0


def test_defaults_and_cli_strings_are_coerced() -> None:
    assert Crossover().params == Crossover.Params()
    params = Crossover.make_params({"fast": "5", "size": "0.5"})
    assert isinstance(params, Crossover.Params)
    assert (params.fast, params.slow, params.size) == (5, 30, 0.5)


def test_params_instance_passes_through_and_is_frozen() -> None:
    params = Crossover.Params(fast=3)
    assert Crossover.make_params(params) is params
    with pytest.raises(ValidationError):
        params.fast = 4  # type: ignore[misc]


def test_unknown_parameter_is_named_with_the_declared_ones() -> None:
    with pytest.raises(ConfigError) as info:
        Crossover.make_params({"fats": 5})
    message = str(info.value)
    assert "strategy crossover" in message
    assert "'fats': unknown parameter" in message
    assert "declared parameters: fast, slow, size" in message


def test_badly_typed_parameter_is_named() -> None:
    with pytest.raises(ConfigError, match=r"'fast': Input should be a valid integer"):
        Crossover({"fast": "five"})


def test_strategy_without_params_refuses_any() -> None:
    class Bare(Strategy):
        pass

    with pytest.raises(ConfigError, match=r"strategy Bare: 'x': unknown parameter.*: none\)"):
        Bare.make_params({"x": 1})


def test_params_of_another_model_are_revalidated() -> None:
    class Other(StrategyParams):
        fast: int = 2

    params: Mapping[str, object] | StrategyParams = Other()
    assert Crossover.make_params(params) == Crossover.Params(fast=2)


def test_model_level_check_reads_without_empty_field_name() -> None:
    from pydantic import model_validator

    from finbot.contracts import ConfigError, Strategy, StrategyParams

    class CrossParams(StrategyParams):
        fast: int = 10
        slow: int = 30

        @model_validator(mode="after")
        def _ordered(self) -> CrossParams:
            if self.fast >= self.slow:
                raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
            return self

    class Cross(Strategy):
        strategy_id = "cross"
        Params = CrossParams

    with pytest.raises(ConfigError) as info:
        Cross.make_params({"fast": "40"})
    message = str(info.value)
    assert "bad parameters for strategy cross: fast (40) must be smaller than slow (30)" in message
    assert "''" not in message and "Value error" not in message


def test_native_settings_are_stored_only_when_set_and_validated() -> None:
    from finbot.contracts import NativeExecution, NativeLiquidity

    plain = RunConfig.model_validate(fixed_payload())
    # Unset for other engines: left out, so their configs keep the frozen form and hash above.
    assert plain.canonical_json() == FIXED_CANONICAL
    native = plain.model_copy(update={"native": NativeExecution(latency_ms=10.0)})
    stored = json.loads(native.canonical_json())["native"]
    assert stored["latency_ms"] == 10.0
    assert stored["liquidity"] == NativeLiquidity.BAR_VOLUME.value
    assert native.config_hash() != plain.config_hash()
    assert RunConfig.model_validate_json(native.canonical_json()) == native
    bad_values: list[dict[str, object]] = [
        {"latency_ms": -1.0},
        {"latency_ms": float("inf")},
        {"latency_ms": 1e20},  # beyond a year (and Nautilus's uint64 nanoseconds)
        {"prob_slippage": 1.5},
        {"prob_fill_on_limit": -0.1},
        {"account": "prime"},
        {"liquidity": "infinite"},
    ]
    for bad in bad_values:
        with pytest.raises(ValidationError):
            NativeExecution.model_validate(bad)
