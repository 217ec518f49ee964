from __future__ import annotations

import pytest

from finbot.cli import parse_params, parse_value
from finbot.contracts import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("0.5", 0.5),
        ("-3", -3),
        ("true", True),
        ("null", None),
        ("[1, 2]", [1, 2]),
        ('{"a": 1}', {"a": 1}),
        ("SPY", "SPY"),
        ('"10"', "10"),
        ("", ""),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
    ],
)
def test_values_are_json_when_they_parse_else_text(text: str, expected: object) -> None:
    assert parse_value(text) == expected
    assert type(parse_value(text)) is type(expected)


def test_params_collect_keys_and_last_repeat_wins() -> None:
    assert parse_params(["fast=10", "slow = 30", "fast=12", "name=a=b"]) == {
        "fast": 12,
        "slow": 30,
        "name": "a=b",
    }


@pytest.mark.parametrize("item", ["fast", "=10", " =1"])
def test_malformed_items_name_the_item(item: str) -> None:
    with pytest.raises(ConfigError, match="is not of the form key=value"):
        parse_params([item])
