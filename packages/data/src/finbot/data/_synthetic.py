"""Seeded synthetic OHLCV: geometric Brownian motion walked through intrabar steps.

Each bar's high and low are the extremes of a path that starts at its open and ends at its close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from finbot.contracts import BarSeries, Instrument, MarketData

TRADING_DAYS_PER_YEAR = 252
DAILY_BENCHMARK_BARS = 100 * TRADING_DAYS_PER_YEAR
INTRADAY_BENCHMARK_BARS = 250_000
_INTRADAY_BAR_MINUTES = 5
_SESSION_OPEN_UTC = time(14, 30)  # 09:30 New York in winter; a fixed UTC grid keeps it simple
_BARS_PER_SESSION = 78  # 6.5 hours of 5-minute bars


@dataclass(frozen=True, slots=True)
class PathSpec:
    """How one instrument's price wanders: yearly drift and volatility, start price and volume."""

    start_price: float
    drift_annual: float
    vol_annual: float
    volume_mean: float


@dataclass(frozen=True, slots=True)
class OHLCV:
    """Columns of simulated bars (economic prices: no corporate actions)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


def simulate_bars(
    rng: np.random.Generator,
    spec: PathSpec,
    n_bars: int,
    *,
    bars_per_year: float,
    steps_per_bar: int = 8,
    gap_vol_fraction: float = 0.2,
) -> OHLCV:
    """Simulate ``n_bars`` bars of one GBM path.

    Each bar opens a small random gap away from the previous close, then takes ``steps_per_bar``
    log-normal steps; high/low are the path's extremes, so high >= max(open, close) by construction.
    """
    dt = 1.0 / (bars_per_year * steps_per_bar)
    sigma = spec.vol_annual * np.sqrt(dt)
    steps = rng.standard_normal((n_bars, steps_per_bar)) * sigma
    steps += (spec.drift_annual - 0.5 * spec.vol_annual**2) * dt
    gaps = rng.standard_normal(n_bars) * spec.vol_annual * gap_vol_fraction / np.sqrt(bars_per_year)
    gaps[0] = 0.0
    increments = np.concatenate([gaps[:, None], steps], axis=1)
    log_path = np.log(spec.start_price) + np.cumsum(increments.ravel()).reshape(increments.shape)
    path = np.exp(log_path)
    volume = np.rint(spec.volume_mean * rng.lognormal(-0.045, 0.3, n_bars))
    return OHLCV(
        open=path[:, 0],
        high=path.max(axis=1),
        low=path.min(axis=1),
        close=path[:, -1],
        volume=volume,
    )


def business_days(start: date, count: int) -> list[date]:
    """``count`` Monday-to-Friday dates from ``start`` (no holiday calendar)."""
    return [d.date() for d in pd.bdate_range(start=start, periods=count)]


def synthetic_daily(
    *, n_bars: int = DAILY_BENCHMARK_BARS, instruments: int = 1, seed: int = 0,
    start: date = date(1925, 1, 2),
) -> MarketData:
    """Daily bars (00:00 UTC, business days) for benchmarks; ~100 years by default."""
    stamps = np.array(
        [pd.Timestamp(d).value for d in business_days(start, n_bars)], dtype=np.int64
    )
    return _market(stamps, instruments, seed, TRADING_DAYS_PER_YEAR, "synthetic-daily")


def synthetic_intraday(
    *, n_bars: int = INTRADAY_BENCHMARK_BARS, instruments: int = 1, seed: int = 0,
    start: date = date(2010, 1, 4),
) -> MarketData:
    """5-minute bars, 78 a session from 14:30 UTC on business days; 250,000 bars by default."""
    sessions = business_days(start, -(-n_bars // _BARS_PER_SESSION))
    offsets = np.arange(_BARS_PER_SESSION, dtype=np.int64) * _INTRADAY_BAR_MINUTES * 60 * 10**9
    opens = np.array(
        [pd.Timestamp(datetime.combine(d, _SESSION_OPEN_UTC)).value for d in sessions],
        dtype=np.int64,
    )
    stamps = (opens[:, None] + offsets[None, :]).ravel()[:n_bars]
    bars_per_year = TRADING_DAYS_PER_YEAR * _BARS_PER_SESSION
    return _market(stamps, instruments, seed, bars_per_year, "synthetic-intraday")


def _market(
    stamps: np.ndarray, instruments: int, seed: int, bars_per_year: float, name: str
) -> MarketData:
    series = []
    for k in range(instruments):
        rng = np.random.default_rng([seed, k])
        spec = PathSpec(
            start_price=float(rng.uniform(20, 200)),
            drift_annual=float(rng.uniform(0.0, 0.1)),
            vol_annual=float(rng.uniform(0.15, 0.35)),
            volume_mean=float(rng.uniform(1e5, 5e6)),
        )
        bars = simulate_bars(rng, spec, len(stamps), bars_per_year=bars_per_year)
        series.append(
            BarSeries.from_columns(
                f"SYN{k + 1:02d}",
                stamps,
                bars.open,
                bars.high,
                bars.low,
                bars.close,
                bars.volume,
                source=name,
            )
        )
    # Business days, and intraday bars from 14:30 UTC all year: weekday sessions, no holidays.
    return MarketData(
        (Instrument(id=s.instrument_id) for s in series), series, name=name, calendar="24/5"
    )
