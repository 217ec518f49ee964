"""What is drawn is thinned; the extremes and the ends of a line survive."""

from __future__ import annotations

import math

from finbot.reports import keep_indices


def test_short_lines_are_drawn_whole() -> None:
    assert keep_indices([1.0, 2.0, 3.0], max_points=10) == [0, 1, 2]


def test_long_lines_keep_extremes_and_ends_within_the_budget() -> None:
    values = [math.sin(i / 50) + i / 10_000 for i in range(10_000)]
    values[4321] = -50.0  # a one-day crash must stay visible
    values[777] = 50.0
    idx = keep_indices(values, max_points=400)
    assert len(idx) <= 401
    assert idx == sorted(set(idx))
    assert {0, 777, 4321, 9_999} <= set(idx)


def test_nan_is_never_an_extreme() -> None:
    values = [math.nan] * 5 + [1.0, 3.0, 2.0] * 100
    idx = keep_indices(values, max_points=40)
    assert 6 in idx or any(values[i] == 3.0 for i in idx)
