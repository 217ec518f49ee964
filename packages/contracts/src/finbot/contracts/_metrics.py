"""The one metrics path every engine's result goes through."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from ._orders import Fill, OrderUpdate
from ._result import EquityCurve, Metrics, TradeRecord
from ._time import NANOS_PER_DAY

SESSIONS_PER_YEAR = 252
CALENDAR_DAYS_PER_YEAR = 365
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
DAYS_PER_YEAR = 365.25

# Epoch day 0 (1970-01-01) was a Thursday: (day + 3) % 7 is the weekday with Monday = 0.
_SATURDAY = 5


def daily_points(curve: EquityCurve) -> tuple[list[int], list[float]]:
    """The last equity point of each UTC day: (UTC day numbers since the epoch, equity values)."""
    days: list[int] = []
    out: list[float] = []
    for ts, value in zip(curve.ts_ns, curve.equity, strict=True):
        day = ts // NANOS_PER_DAY
        if days and day == days[-1]:
            out[-1] = value
        else:
            days.append(day)
            out.append(value)
    return days, out


def daily_equity(curve: EquityCurve) -> list[float]:
    """The last equity point of each UTC day, in time order."""
    return daily_points(curve)[1]


def periods_per_year(days: Sequence[int]) -> int:
    """How many return periods a year a series sampled on these UTC days has: 252, 365, 52 or 12.

    A median gap of 25+ days is monthly (12), of 5+ days weekly (52). Daily series are trading
    days (252) unless more than a quarter of their days are Saturdays or Sundays (a seven-day
    market such as crypto has 2/7 of them): then calendar days (365). Annualizing a weekly or a
    seven-day series with 252 is the classic annualization bug this guards against.
    """
    if len(days) < 2:
        return SESSIONS_PER_YEAR
    gaps = sorted(b - a for a, b in pairwise(days))
    median_gap = gaps[len(gaps) // 2]
    if median_gap >= 25:
        return MONTHS_PER_YEAR
    if median_gap >= 5:
        return WEEKS_PER_YEAR
    weekend = sum(1 for day in days if (day + 3) % 7 >= _SATURDAY)
    return CALENDAR_DAYS_PER_YEAR if weekend * 4 > len(days) else SESSIONS_PER_YEAR


def period_returns(values: Sequence[float], starting_cash: float) -> list[float]:
    """Simple returns of ``values`` from ``starting_cash`` on; empty if a base is not positive.

    A simple return from a non-positive value is meaningless (and divides by zero).
    """
    series = [starting_cash, *values]
    if not all(a > 0 for a in series[:-1]):
        return []
    return [b / a - 1.0 for a, b in pairwise(series)]


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _drawdown(curve: EquityCurve) -> tuple[float, float]:
    """Largest peak-to-trough fall (fraction) and the longest time spent below a peak (days)."""
    peak = -math.inf
    peak_ts = curve.ts_ns[0] if curve.ts_ns else 0
    worst = 0.0
    longest_ns = 0
    for ts, value in zip(curve.ts_ns, curve.equity, strict=True):
        if value >= peak:
            peak, peak_ts = value, ts
        else:
            worst = max(worst, 1.0 - value / peak)
            longest_ns = max(longest_ns, ts - peak_ts)
    return worst, longest_ns / NANOS_PER_DAY


def compute_metrics(
    curve: EquityCurve,
    trades: Sequence[TradeRecord],
    fills: Sequence[Fill],
    orders: Sequence[OrderUpdate],
    starting_cash: float,
) -> Metrics:
    """Compute every metric from the run's records (risk-free rate 0).

    - total_return = final / starting - 1; CAGR over the calendar span of the curve.
    - volatility, Sharpe and Sortino from simple returns between each UTC day's last point
      (sample std, ddof 1; downside deviation = sqrt(mean(min(r, 0)^2))), annualized with the
      square root of ``periods_per_year``: 252 for trading days, 365 for seven-day markets, 52 for
      weekly and 12 for monthly series.
    - max drawdown on every curve point; Calmar = CAGR / max drawdown.
    - win rate and profit factor over closed round trips' net P&L.
    - turnover = traded notional / mean equity; exposure = mean(gross exposure / equity).
    """
    final = curve.equity[-1] if curve.equity else starting_cash
    total_return = final / starting_cash - 1.0

    cagr: float | None = None
    if len(curve.ts_ns) >= 2:
        years = (curve.ts_ns[-1] - curve.ts_ns[0]) / NANOS_PER_DAY / DAYS_PER_YEAR
        if years > 0 and final > 0:
            try:
                cagr = (final / starting_cash) ** (1.0 / years) - 1.0
            except OverflowError:
                # a span of hours compounds a few percent past the float range: undefined
                cagr = None

    days, daily = daily_points(curve)
    vol = sharpe = sortino = None
    returns = period_returns(daily, starting_cash)
    if len(returns) >= 2:
        mean = _mean(returns)
        std = math.sqrt(math.fsum((r - mean) ** 2 for r in returns) / (len(returns) - 1))
        root = math.sqrt(periods_per_year(days))
        vol = std * root
        sharpe = mean / std * root if std > 0 else None
        downside = math.sqrt(_mean([min(r, 0.0) ** 2 for r in returns]))
        sortino = mean / downside * root if downside > 0 else None

    max_dd, dd_days = _drawdown(curve) if curve.ts_ns else (0.0, 0.0)
    calmar = cagr / max_dd if cagr is not None and max_dd > 0 else None

    pnls = [t.net_pnl for t in trades]
    wins = math.fsum(p for p in pnls if p > 0)
    losses = -math.fsum(p for p in pnls if p < 0)
    win_rate = sum(1 for p in pnls if p > 0) / len(pnls) if pnls else None
    profit_factor = wins / losses if losses > 0 else None

    mean_equity = _mean(curve.equity) if curve.equity else starting_cash
    turnover = math.fsum(f.notional for f in fills) / mean_equity if mean_equity > 0 else 0.0
    exposure = (
        _mean(
            [
                g / e if e > 0 else 0.0
                for g, e in zip(curve.gross_exposure, curve.equity, strict=True)
            ]
        )
        if curve.equity
        else 0.0
    )
    return Metrics(
        starting_equity=starting_cash,
        final_equity=final,
        total_return=total_return,
        cagr=cagr,
        annual_volatility=vol,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=max_dd,
        max_drawdown_duration_days=dd_days,
        calmar=calmar,
        win_rate=win_rate,
        profit_factor=profit_factor,
        turnover=turnover,
        exposure=exposure,
        trade_count=len(trades),
        order_count=len(orders),
        fill_count=len(fills),
        total_commission=math.fsum(f.commission for f in fills),
    )
