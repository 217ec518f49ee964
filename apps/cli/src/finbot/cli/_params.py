"""Parse ``--param key=value`` options into a strategy-parameter mapping."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from pydantic import JsonValue

from finbot.contracts import ConfigError


def parse_value(text: str) -> JsonValue:
    """The value as JSON when it parses (``10``, ``0.5``, ``true``, ``[1,2]``), else the string."""
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    # NaN/Infinity are not JSON values finbot can hash; keep such text as a plain string.
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value


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
