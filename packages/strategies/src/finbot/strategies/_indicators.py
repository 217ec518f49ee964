"""Small rolling-window indicators, computed the way Backtrader's own indicators compute them.

Matching Backtrader's arithmetic (``math.fsum`` windows, ``pow``) keeps results bit-identical with
a native Backtrader strategy, so the A/B tests can demand exact equality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def sma(values: Sequence[float]) -> float:
    """Simple mean of a window (Backtrader's SMA: ``fsum(window) / period``)."""
    return math.fsum(values) / len(values)


def bollinger(values: Sequence[float], num_std: float) -> tuple[float, float, float]:
    """(lower, middle, upper) bands of a window: mean -/+ ``num_std`` population std deviations.

    The deviation is ``abs(mean(x**2) - mean(x)**2) ** 0.5``, Backtrader's ``StdDev`` with
    ``safepow``; the ``abs`` guards against a tiny negative from rounding on flat windows.
    """
    n = len(values)
    mid = math.fsum(values) / n
    meansq = math.fsum([x**2 for x in values]) / n
    dev = num_std * abs(meansq - mid**2) ** 0.5
    return mid - dev, mid, mid + dev


def round_price(price: float, decimals: int) -> float:
    """A price rounded to ``decimals`` places, as an exchange's tick would force."""
    return round(price, decimals)
