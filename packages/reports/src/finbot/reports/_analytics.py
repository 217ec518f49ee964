"""Report analytics on top of the shared metrics path: benchmark, alpha/beta, VaR, PSR, rolling.

Returns are the ones ``finbot.contracts.compute_metrics`` uses (each UTC day's last equity point,
the first measured from starting cash), annualized by the same ``periods_per_year``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from finbot.contracts import (
    BacktestResult,
    EquityCurve,
    MarketData,
    daily_points,
    period_returns,
    periods_per_year,
    session_date,
)

VAR_LEVEL = 0.95
NANOS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Series:
    """A time series: UTC nanosecond stamps and values, parallel."""

    ts_ns: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """The figures a tear sheet adds to ``Metrics``; ``None`` where undefined.

    Attributes:
        periods_per_year: The annualization factor used (252, 365, 52 or 12).
        beta: Sample covariance of the run's and the benchmark's period returns over the
            benchmark's sample variance.
        alpha: Annualized intercept: (mean(r) - beta * mean(b)) * periods_per_year (risk-free 0).
        var_95: Historical one-period value at risk at 95%: minus the 5% quantile of returns
            (linear interpolation), as a positive fraction of equity.
        cvar_95: Expected shortfall: minus the mean of the returns at or below that quantile.
        probabilistic_sharpe: P(true Sharpe > 0) given the sample's length, skew and kurtosis
            (Bailey and Lopez de Prado, 2012).
        benchmark_total_return: The benchmark's total return.
        benchmark_sharpe: The benchmark's annualized Sharpe on the same path.
        correlation: Pearson correlation of the run's and the benchmark's returns.
    """

    periods_per_year: int
    beta: float | None
    alpha: float | None
    var_95: float | None
    cvar_95: float | None
    probabilistic_sharpe: float | None
    benchmark_total_return: float | None
    benchmark_sharpe: float | None
    correlation: float | None


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _covariance(a: Sequence[float], b: Sequence[float]) -> float:
    ma, mb = _mean(a), _mean(b)
    return math.fsum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True)) / (len(a) - 1)


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile with linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def sharpe_ratio(returns: Sequence[float], periods: int) -> float | None:
    """Annualized Sharpe (risk-free 0, sample std): compute_metrics' definition."""
    if len(returns) < 2:
        return None
    std = math.sqrt(_covariance(returns, returns))
    return _mean(returns) / std * math.sqrt(periods) if std > 0 else None


def value_at_risk(returns: Sequence[float], level: float = VAR_LEVEL) -> tuple[float, float] | None:
    """Historical VaR and expected shortfall at ``level`` as positive fractions (None if empty)."""
    if not returns:
        return None
    cut = quantile(returns, 1.0 - level)
    tail = [r for r in returns if r <= cut]
    return -cut, -_mean(tail)


def probabilistic_sharpe(returns: Sequence[float], benchmark_sharpe: float = 0.0) -> float | None:
    """P(true per-period Sharpe > ``benchmark_sharpe``) (Bailey and Lopez de Prado, 2012).

    PSR = Phi((SR - SR*) * sqrt(n - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR^2)) with SR the
    per-period (not annualized) Sharpe, g3 the skewness and g4 the (non-excess) kurtosis, both
    population moments. None for fewer than three returns or no variation.
    """
    n = len(returns)
    if n < 3:
        return None
    mean = _mean(returns)
    m2 = math.fsum((r - mean) ** 2 for r in returns) / n
    if m2 <= 0:
        return None
    sd = math.sqrt(m2)
    skew = math.fsum((r - mean) ** 3 for r in returns) / n / sd**3
    kurt = math.fsum((r - mean) ** 4 for r in returns) / n / m2**2
    sr = mean / math.sqrt(_covariance(returns, returns))
    denominator = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr
    if denominator <= 0:
        return None
    return NormalDist().cdf((sr - benchmark_sharpe) * math.sqrt(n - 1) / math.sqrt(denominator))


def buy_and_hold(result: BacktestResult, market: MarketData) -> Series:
    """Starting cash split equally over the instruments at their first close, held, no costs.

    Marked at every step of the run's equity curve with each instrument's latest close at or
    before it; cash waits for an instrument that has not traded yet.
    """
    stamps = result.equity_curve.ts_ns
    cash = result.config.starting_cash
    series = [bars for bars in market if len(bars)]
    if not series or not stamps:
        return Series(stamps, tuple(cash for _ in stamps))
    share = cash / len(series)
    values = [0.0] * len(stamps)
    for bars in series:
        closes, bar_ts = bars.close, bars.ts_ns
        j = -1
        units = 0.0
        for k, ts in enumerate(stamps):
            while j + 1 < len(bar_ts) and bar_ts[j + 1] <= ts:
                j += 1
                if units == 0.0 and closes[j] > 0:
                    units = share / closes[j]
            values[k] += units * closes[j] if units else share
    return Series(stamps, tuple(values))


def risk_figures(result: BacktestResult, benchmark: Series | None) -> RiskFigures:
    """Beta, alpha, VaR, CVaR and PSR of ``result`` (benchmark figures when one is given)."""
    days, equity = daily_points(result.equity_curve)
    periods = periods_per_year(days)
    cash = result.config.starting_cash
    returns = period_returns(equity, cash)
    var = value_at_risk(returns)
    beta = alpha = corr = bench_total = bench_sharpe = None
    if benchmark is not None and benchmark.values:
        bench_curve = as_curve(benchmark)
        bench_returns = period_returns(daily_points(bench_curve)[1], cash)
        bench_total = benchmark.values[-1] / cash - 1.0
        bench_sharpe = sharpe_ratio(bench_returns, periods)
        if len(returns) >= 2 and len(bench_returns) == len(returns):
            var_b = _covariance(bench_returns, bench_returns)
            var_r = _covariance(returns, returns)
            cov = _covariance(returns, bench_returns)
            if var_b > 0:
                beta = cov / var_b
                alpha = (_mean(returns) - beta * _mean(bench_returns)) * periods
                if var_r > 0:
                    corr = cov / math.sqrt(var_r * var_b)
    return RiskFigures(
        periods_per_year=periods,
        beta=beta,
        alpha=alpha,
        var_95=var[0] if var else None,
        cvar_95=var[1] if var else None,
        probabilistic_sharpe=probabilistic_sharpe(returns),
        benchmark_total_return=bench_total,
        benchmark_sharpe=bench_sharpe,
        correlation=corr,
    )


def as_curve(series: Series) -> EquityCurve:
    """A benchmark series as an equity curve (all cash, no exposure) for the shared metrics."""
    zeros = (0.0,) * len(series.values)
    return EquityCurve(
        ts_ns=series.ts_ns, equity=series.values, cash=series.values, gross_exposure=zeros
    )


def drawdown(curve: EquityCurve) -> Series:
    """Fall from the running peak at every point, as a negative fraction (0 at a new high)."""
    peak = -math.inf
    out: list[float] = []
    for value in curve.equity:
        peak = max(peak, value)
        out.append(value / peak - 1.0 if peak > 0 else 0.0)
    return Series(curve.ts_ns, tuple(out))


def rolling_window(periods: int) -> int:
    """About three months of periods (63 trading days, 13 weeks, 91 calendar days, 3 months)."""
    return max(3, round(periods / 4))


def rolling_figures(result: BacktestResult) -> tuple[Series, Series, int]:
    """Rolling annualized Sharpe and volatility over ``rolling_window`` periods, and the window.

    Stamped at each UTC day's last point; a window with no variation has no Sharpe (NaN).
    """
    curve = result.equity_curve
    days, equity = daily_points(curve)
    periods = periods_per_year(days)
    window = rolling_window(periods)
    returns = period_returns(equity, result.config.starting_cash)
    stamps = _day_stamps(curve)
    sharpe: list[float] = []
    vol: list[float] = []
    ts: list[int] = []
    root = math.sqrt(periods)
    for end in range(window, len(returns) + 1):
        chunk = returns[end - window : end]
        std = math.sqrt(_covariance(chunk, chunk))
        vol.append(std * root)
        sharpe.append(_mean(chunk) / std * root if std > 0 else math.nan)
        ts.append(stamps[end - 1])
    return Series(tuple(ts), tuple(sharpe)), Series(tuple(ts), tuple(vol)), window


def _day_stamps(curve: EquityCurve) -> list[int]:
    """The stamp of each UTC day's last point (what ``daily_points`` keeps)."""
    out: list[int] = []
    last_day: int | None = None
    for ts in curve.ts_ns:
        day = ts // NANOS_PER_DAY
        if day == last_day:
            out[-1] = ts
        else:
            out.append(ts)
            last_day = day
    return out


def monthly_returns(result: BacktestResult) -> dict[tuple[int, int], float]:
    """(year, month) -> return from the previous month's last equity (the first from cash)."""
    curve = result.equity_curve
    month_end: dict[tuple[int, int], float] = {}
    for ts, value in zip(curve.ts_ns, curve.equity, strict=True):
        day: date = session_date(ts)
        month_end[(day.year, day.month)] = value
    out: dict[tuple[int, int], float] = {}
    previous = result.config.starting_cash
    for key, value in month_end.items():
        out[key] = value / previous - 1.0 if previous > 0 else math.nan
        previous = value
    return out
