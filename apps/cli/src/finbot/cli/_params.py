"""Parse ``--param key=value`` options into a strategy-parameter mapping."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import JsonValue

from finbot.app import parse_value
from finbot.contracts import ConfigError

__all__ = ["parse_params", "parse_value"]


def parse_params(items: Iterable[str]) -> dict[str, JsonValue]:
    """Turn ``key=value`` strings into a dict; a repeated key keeps the last value.

    Raises:
        ConfigError: An item has no ``=`` or an empty key.
    """
    params: dict[str, JsonValue] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--param '{item}' is not of the form key=value (e.g. fast=10)")
        params[key] = parse_value(raw.strip())
    return params
