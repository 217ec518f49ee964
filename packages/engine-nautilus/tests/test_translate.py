"""price_precision: the early-stopping scan gives exactly what printing every price gives."""

from __future__ import annotations

import random

import pytest

from finbot.contracts import BarSeries, Instrument
from finbot.engine_nautilus._translate import MAX_PRICE_DECIMALS, decimals, price_precision


def printed_precision(instrument: Instrument, series: BarSeries) -> int:
    # The definition: the most decimals any price (or the tick size) prints with, capped.
    values = [*series.open, *series.high, *series.low, *series.close]
    digits = max(map(decimals, values), default=0)
    return min(max(digits, decimals(instrument.price_increment)), MAX_PRICE_DECIMALS)


def series_of(prices: list[float]) -> BarSeries:
    # One bar per price (open = high = low = close), so every price sits in every column.
    n = len(prices)
    return BarSeries.from_columns(
        "X", [i * 86_400 * 10**9 for i in range(n)], prices, prices, prices, prices, [1.0] * n
    )


def random_prices(rng: random.Random, n: int) -> list[float]:
    out = []
    for _ in range(n):
        kind = rng.randrange(4)
        magnitude = 10.0 ** rng.uniform(-6, 17)
        if kind == 0:  # full binary noise: up to 17 significant digits
            out.append(magnitude * rng.random() + 1e-9)
        elif kind == 1:  # a few decimals, as real quotes have
            out.append(max(round(rng.uniform(0.01, 1000), rng.randrange(0, 6)), 0.01))
        elif kind == 2:  # just below or at a power of ten, where the digit count changes
            p = 10.0 ** rng.randrange(-4, 17)
            out.append(p if rng.random() < 0.5 else p * (1 - 2.0**-52))
        else:  # powers of two print with many exact decimals
            out.append(2.0 ** rng.randrange(-20, 50))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_matches_printing_every_price(seed):
    rng = random.Random(seed)
    prices = random_prices(rng, rng.randrange(1, 60))
    increment = rng.choice([0.01, 1.0, 0.0001, 0.5, 1e-7])
    instrument = Instrument(id="X", price_increment=increment)
    series = series_of(prices)
    assert price_precision(instrument, series) == printed_precision(instrument, series)


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ([55.00131898971001, 134.65310371786177], 14),
        ([134.65310371786177, 91.88669036115536, 12.345678901234567], 15),
        ([101.25, 99.5, 100.0], 2),
        ([1e16, 2e17], 2),  # the tick size (0.01) sets it
        ([1.2345e-05], 9),
        ([0.1 + 0.2], 15),  # 0.30000000000000004 needs 17: capped
    ],
)
def test_known_precisions(prices, expected):
    instrument = Instrument(id="X")
    series = series_of(prices)
    assert price_precision(instrument, series) == expected
    assert printed_precision(instrument, series) == expected


def test_the_tick_size_counts_too():
    assert price_precision(Instrument(id="X", price_increment=0.0005), series_of([10.5])) == 4
