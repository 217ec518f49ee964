"""Thin what is drawn, never what is computed: keep each bucket's first, min, max and last point."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._labels import x_label

# Points per drawn line: a 10-year daily curve (~2,520) stays whole; 200 overlaid runs are thinned.
MAX_POINTS = 2_000


def keep_indices(values: Sequence[float], max_points: int | None = None) -> list[int]:
    """Indices of ``values`` to draw: all of them when few, else min/max-preserving buckets.

    Each of ``max_points // 4`` buckets keeps its first, lowest, highest and last point, so peaks,
    troughs (a drawdown's bottom) and the line's ends survive. NaN values are never a min or max.
    """
    if max_points is None:
        max_points = MAX_POINTS
    n = len(values)
    if n <= max_points:
        return list(range(n))
    buckets = max(1, max_points // 4)
    size = n / buckets
    keep: set[int] = set()
    for b in range(buckets):
        lo, hi = int(b * size), min(n, int((b + 1) * size))
        if lo >= hi:
            continue
        keep.update((lo, hi - 1))
        finite = [i for i in range(lo, hi) if not math.isnan(values[i])]
        if finite:
            keep.add(min(finite, key=values.__getitem__))
            keep.add(max(finite, key=values.__getitem__))
    keep.add(n - 1)
    return sorted(keep)


def thin(
    stamps: Sequence[int], ys: Sequence[float], max_points: int | None = None
) -> tuple[list[str], list[float]]:
    """The x labels (``x_label``) and values of the points of ``ys`` that are drawn."""
    idx = keep_indices(ys, max_points)
    return [x_label(stamps[i]) for i in idx], [ys[i] for i in idx]
