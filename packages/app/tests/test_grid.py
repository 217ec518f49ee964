from __future__ import annotations

import pytest

from finbot.app import expand, grid_size, parse_grid
from finbot.contracts import ConfigError


def test_lists_ranges_and_json_lists_expand_in_order_the_last_fastest() -> None:
    grid = parse_grid(["fast=5,10", "slow=30:50:10", "mode=[\"a\"]"])
    assert grid == {"fast": [5, 10], "slow": [30, 40, 50], "mode": ["a"]}
    assert grid_size(grid) == 6
    assert expand(grid)[:3] == [
        {"fast": 5, "slow": 30, "mode": "a"},
        {"fast": 5, "slow": 40, "mode": "a"},
        {"fast": 5, "slow": 50, "mode": "a"},
    ]


def test_a_decimal_range_keeps_exact_steps_and_includes_the_stop() -> None:
    assert parse_grid(["k=0.1:0.3:0.1"]) == {"k": [0.1, 0.2, 0.3]}
    assert parse_grid(["n=1:3"]) == {"n": [1, 2, 3]}


def test_text_values_stay_text() -> None:
    assert parse_grid(["instrument=ORCL,NVDA"]) == {"instrument": ["ORCL", "NVDA"]}


def test_every_bad_item_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        parse_grid(["fast", "slow=50:30", "k=1:2:0", "fast=1", "x=[1,"])
    text = str(info.value)
    for fragment in (
        "'fast' is not of the form name=values",
        "stop 30 is below its start 50",
        "step must be positive",
        "not a JSON list",
    ):
        assert fragment in text


def test_an_empty_grid_is_one_run_with_the_defaults() -> None:
    assert expand({}) == [{}]


def test_a_huge_grid_is_refused() -> None:
    with pytest.raises(ConfigError, match="more than"):
        expand({"a": list(range(1000)), "b": list(range(1000))})
