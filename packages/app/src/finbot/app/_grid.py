"""Parameter grids: ``fast=5,10,20``, ``fast=5:20:5`` and ``fast=[5,10]`` items, and their product.

A grid maps each parameter name to the values it takes; the runs are the cartesian product, in the
order the parameters were given, the last one varying fastest.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from pydantic import JsonValue

from finbot.contracts import ConfigError

Grid = Mapping[str, Sequence[JsonValue]]

# A grid this large is a typo more often than a plan (fast=1:100000): refuse it up front.
MAX_RUNS = 100_000


def parse_value(text: str) -> JsonValue:
    """The value as JSON when it parses (``10``, ``0.5``, ``true``), else the text itself."""
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    # NaN/Infinity are not JSON values finbot can hash; keep such text as a plain string.
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value


def _range(text: str, item: str) -> list[JsonValue]:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ConfigError(f"'{item}': a range is start:stop or start:stop:step")
    try:
        start, stop, *rest = (Decimal(p.strip()) for p in parts)
    except InvalidOperation:
        raise ConfigError(f"'{item}': range bounds must be numbers") from None
    step = rest[0] if rest else Decimal(1)
    if step <= 0:
        raise ConfigError(f"'{item}': the range step must be positive")
    if stop < start:
        raise ConfigError(f"'{item}': the range stop {stop} is below its start {start}")
    if (stop - start) / step >= MAX_RUNS:
        raise ConfigError(f"'{item}': the range has more than {MAX_RUNS} values")
    # Decimal keeps 0.1 steps exact; integral bounds and step give ints.
    integral = all(v == v.to_integral_value() for v in (start, stop, step))
    values: list[JsonValue] = []
    current = start
    while current <= stop:  # the stop is included: 5:20:5 is 5, 10, 15, 20
        values.append(int(current) if integral else float(current))
        current += step
    return values


def parse_values(text: str, item: str) -> list[JsonValue]:
    """The values one grid item names: a JSON list, a ``start:stop[:step]`` range or a,b,c."""
    text = text.strip()
    if not text:
        raise ConfigError(f"'{item}': no value after '='")
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            raise ConfigError(f"'{item}': not a JSON list") from None
        if not isinstance(values, list) or not values:
            raise ConfigError(f"'{item}': give a non-empty list")
        return values
    if ":" in text and "," not in text and not text.startswith(('"', "{")):
        return _range(text, item)
    return [parse_value(part.strip()) for part in text.split(",")]


def parse_grid(items: Iterable[str]) -> dict[str, list[JsonValue]]:
    """``["fast=5,10", "slow=30:50:10"]`` -> ``{"fast": [5, 10], "slow": [30, 40, 50]}``.

    A parameter with one value is fixed for every run.

    Raises:
        ConfigError: An item is malformed or a parameter is repeated; every bad item is named.
    """
    grid: dict[str, list[JsonValue]] = {}
    problems: list[str] = []
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"'{item}' is not of the form name=values (e.g. fast=5,10,20)")
            continue
        if key in grid:
            problems.append(f"parameter '{key}' is given more than once")
            continue
        try:
            grid[key] = parse_values(raw, item)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("bad --param grid: " + "; ".join(problems))
    return grid


def grid_size(grid: Grid) -> int:
    """How many runs the grid expands to."""
    return math.prod(len(v) for v in grid.values())


def expand(grid: Grid) -> list[dict[str, JsonValue]]:
    """Every combination, the last parameter varying fastest; ``[{}]`` for an empty grid.

    Raises:
        ConfigError: The grid has more than ``MAX_RUNS`` combinations.
    """
    size = grid_size(grid)
    if size > MAX_RUNS:
        raise ConfigError(f"the grid has {size} combinations, more than {MAX_RUNS}")
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
