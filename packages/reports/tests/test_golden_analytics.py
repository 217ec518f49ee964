"""Metrics and report analytics of a daily, a weekly and a 365-day series, frozen and re-derived.

Annualization is the classic bug (a weekly series annualized with 252): each series' figures are
frozen in ``golden/analytics.json`` and also re-derived here with numpy, independently of finbot.
Regenerate the frozen file only when a change is meant to alter results:
``uv run python packages/reports/tests/test_golden_analytics.py``.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reports_fixtures import compound, curve_of, result_of, trading_days

from finbot.contracts import BacktestResult
from finbot.reports import Series, risk_figures

GOLDEN = Path(__file__).parent / "golden" / "analytics.json"
CASH = 100_000.0

# name -> (first day, step in days, weekdays only, points, expected periods a year)
SERIES = {
    "daily_trading": (date(2022, 1, 3), 1, True, 504, 252),
    "weekly": (date(2022, 1, 7), 7, False, 104, 52),
    "calendar_365": (date(2022, 1, 1), 1, False, 730, 365),
}
FIELDS = ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown")
RISK = ("periods_per_year", "beta", "alpha", "var_95", "cvar_95", "probabilistic_sharpe",
        "correlation", "benchmark_total_return", "benchmark_sharpe")


def _returns(n: int) -> tuple[list[float], list[float]]:
    # Deterministic, platform-stable paths (no RNG): the strategy partly follows the benchmark.
    bench = [0.0004 + 0.009 * math.sin(i * 0.7) + 0.004 * math.cos(i * 1.9) for i in range(n)]
    strat = [0.0006 + 0.6 * b + 0.006 * math.sin(i * 2.3 + 1) for i, b in enumerate(bench)]
    return strat, bench


def _case(name: str) -> tuple[BacktestResult, Series, list[float], list[float]]:
    start, step, weekdays, n, _ = SERIES[name]
    days = trading_days(start, n, every=step, weekdays_only=weekdays)
    strat, bench = _returns(n)
    result = result_of(curve_of(days, compound(CASH, strat)))
    benchmark = Series(result.equity_curve.ts_ns, tuple(compound(CASH, bench)))
    return result, benchmark, strat, bench


def _figures(name: str) -> dict[str, float | int | None]:
    result, benchmark, _, _ = _case(name)
    risk = risk_figures(result, benchmark)
    out: dict[str, float | int | None] = {f: getattr(result.metrics, f) for f in FIELDS}
    out.update({f: getattr(risk, f) for f in RISK})
    return out


@pytest.mark.parametrize("name", list(SERIES))
def test_figures_match_the_frozen_golden(name: str) -> None:
    frozen = json.loads(GOLDEN.read_text())[name]
    got = _figures(name)
    assert set(got) == set(frozen)
    for key, value in frozen.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("name", list(SERIES))
def test_figures_agree_with_numpy(name: str) -> None:
    result, _, strat, bench = _case(name)
    periods = SERIES[name][4]
    got = _figures(name)
    r, b = np.array(strat), np.array(bench)
    assert got["periods_per_year"] == periods
    assert got["annual_volatility"] == pytest.approx(r.std(ddof=1) * np.sqrt(periods), rel=1e-9)
    assert got["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(periods), rel=1e-9)
    beta = np.cov(r, b, ddof=1)[0, 1] / b.var(ddof=1)
    assert got["beta"] == pytest.approx(beta, rel=1e-9)
    assert got["alpha"] == pytest.approx((r.mean() - beta * b.mean()) * periods, rel=1e-9)
    assert got["correlation"] == pytest.approx(np.corrcoef(r, b)[0, 1], rel=1e-9)
    cut = np.percentile(r, 5)
    assert got["var_95"] == pytest.approx(-cut, rel=1e-9)
    assert got["cvar_95"] == pytest.approx(-r[r <= cut].mean(), rel=1e-9)
    z = (r - r.mean()) / r.std()
    sr = r.mean() / r.std(ddof=1)
    denom = 1 - (z**3).mean() * sr + ((z**4).mean() - 1) / 4 * sr**2
    psr = NormalDist().cdf(sr * np.sqrt(len(r) - 1) / np.sqrt(denom))
    assert got["probabilistic_sharpe"] == pytest.approx(psr, rel=1e-9)
    years = (result.equity_curve.ts_ns[-1] - result.equity_curve.ts_ns[0]) / 86_400e9 / 365.25
    growth = np.prod(1 + r)
    assert got["cagr"] == pytest.approx(growth ** (1 / years) - 1, rel=1e-9)


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    frozen = {name: _figures(name) for name in SERIES}
    GOLDEN.write_text(json.dumps(frozen, indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
