"""Report analytics against hand-computed cases; each expected value is derived in the comments."""

from __future__ import annotations

import math
from datetime import date
from statistics import NormalDist

import pytest
from reports_fixtures import compound, curve_of, market, result_of, run, trading_days

from finbot.contracts import BarSeries, CostModel, Instrument, MarketData, to_ns
from finbot.reports import (
    Series,
    buy_and_hold,
    drawdown,
    monthly_returns,
    probabilistic_sharpe,
    quantile,
    risk_figures,
    rolling_figures,
    value_at_risk,
)
from finbot.reports._labels import assumption_rows


def test_quantile_interpolates_linearly() -> None:
    # position (5 - 1) * 0.05 = 0.2 between 1 and 2 -> 1.2; the median of 1..5 is 3
    assert quantile([5, 1, 4, 2, 3], 0.05) == pytest.approx(1.2)
    assert quantile([5, 1, 4, 2, 3], 0.5) == 3


def test_value_at_risk_and_expected_shortfall() -> None:
    # sorted: -0.05, -0.02, 0, 0.01, 0.03; 5% quantile at position 0.2: -0.05 + 0.03 * 0.2 = -0.044
    # tail at or below it: only -0.05
    var, cvar = value_at_risk([0.01, -0.05, 0.03, 0.0, -0.02])  # type: ignore[misc]
    assert var == pytest.approx(0.044)
    assert cvar == pytest.approx(0.05)
    assert value_at_risk([]) is None


def test_probabilistic_sharpe_by_hand() -> None:
    # r = 0.02, -0.01, 0.03, 0.00: mean 0.01, deviations 0.01, -0.02, 0.02, -0.01
    # population m2 = (1 + 4 + 4 + 1)e-4 / 4 = 2.5e-4; m3 = 0 -> skew 0
    # m4 = (1 + 16 + 16 + 1)e-8 / 4 = 8.5e-8 -> kurtosis 8.5e-8 / 6.25e-8 = 1.36
    # sample std sqrt(1e-3 / 3) -> SR = 0.01 / 0.0182574 = sqrt(0.3)
    # z = sqrt(0.3) * sqrt(3) / sqrt(1 - 0 + 0.36 / 4 * 0.3) = sqrt(0.9 / 1.027) = 0.936130
    psr = probabilistic_sharpe([0.02, -0.01, 0.03, 0.0])
    assert psr == pytest.approx(NormalDist().cdf(math.sqrt(0.9 / 1.027)), rel=1e-12)
    assert psr == pytest.approx(0.825397, abs=1e-6)  # normal table: Phi(0.93613)
    assert probabilistic_sharpe([0.01, 0.01, 0.01]) is None  # no variation
    assert probabilistic_sharpe([0.01, 0.02]) is None  # too short


def test_beta_alpha_of_a_levered_benchmark() -> None:
    # strategy returns are exactly 2 * benchmark + 0.001 each session: beta 2, correlation 1,
    # alpha = 0.001 * 252 = 0.252 a year (trading days)
    days = trading_days(date(2024, 1, 1), 40)
    bench_r = [0.01 * math.sin(i) for i in range(40)]
    strat_r = [2 * b + 0.001 for b in bench_r]
    result = result_of(curve_of(days, compound(100_000.0, strat_r)))
    bench = Series(result.equity_curve.ts_ns, tuple(compound(100_000.0, bench_r)))
    fig = risk_figures(result, bench)
    assert fig.periods_per_year == 252
    assert fig.beta == pytest.approx(2.0, rel=1e-9)
    assert fig.alpha == pytest.approx(0.252, rel=1e-9)
    assert fig.correlation == pytest.approx(1.0, rel=1e-9)
    assert fig.benchmark_total_return == pytest.approx(math.prod(1 + b for b in bench_r) - 1)


def test_buy_and_hold_splits_cash_and_waits_for_late_instruments() -> None:
    # cash 1000: A buys 500 / 10 = 50 units on day 0; B starts on day 1 and buys 500 / 5 = 100.
    # day 0: 50 * 10 + 500 (B's cash) = 1000; day 1: 50 * 20 + 100 * 5 = 1500; day 2: 750 + 1000
    days = [to_ns(date(2024, 1, d)) for d in (2, 3, 4)]
    a = BarSeries.from_columns(instrument_id="A", ts_ns=days, open=[10, 20, 15], high=[10, 20, 15],
                               low=[10, 20, 15], close=[10, 20, 15], volume=[1, 1, 1])
    b = BarSeries.from_columns(instrument_id="B", ts_ns=days[1:], open=[5, 10], high=[5, 10],
                               low=[5, 10], close=[5, 10], volume=[1, 1])
    data = MarketData([Instrument(id="A"), Instrument(id="B")], [a, b])
    result = result_of(curve_of([date(2024, 1, d) for d in (2, 3, 4)], [1000.0] * 3),
                       config=None)
    result = result.model_copy(update={"config": result.config.model_copy(
        update={"starting_cash": 1000.0})})
    assert buy_and_hold(result, data).values == (1000.0, 1500.0, 1750.0)


def test_drawdown_series() -> None:
    days = trading_days(date(2024, 1, 1), 4)
    dd = drawdown(curve_of(days, [100.0, 120.0, 90.0, 130.0]))
    # peak 120 then 90: 90 / 120 - 1 = -0.25; new high at 130
    assert dd.values == (0.0, 0.0, pytest.approx(-0.25), 0.0)


def test_monthly_returns_chain_from_starting_cash() -> None:
    # Jan ends at 110 (from cash 100: +10%), Feb at 99 (-10%), Mar at 108.9 (+10%)
    days = [date(2024, 1, 30), date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 1)]
    result = result_of(curve_of(days, [105.0, 110.0, 99.0, 108.9]))
    result = result.model_copy(update={"config": result.config.model_copy(
        update={"starting_cash": 100.0})})
    months = monthly_returns(result)
    assert list(months) == [(2024, 1), (2024, 2), (2024, 3)]
    assert [round(v, 12) for v in months.values()] == [0.1, -0.1, 0.1]


@pytest.mark.parametrize(
    ("every", "weekdays_only", "window"),
    [(1, True, 63), (7, False, 13), (1, False, 91)],  # trading days, weeks, calendar days
)
def test_rolling_window_follows_the_sampling(every: int, weekdays_only: bool, window: int) -> None:
    days = trading_days(date(2024, 1, 5), 120, every=every, weekdays_only=weekdays_only)
    returns = [0.01 * math.cos(i) for i in range(120)]
    result = result_of(curve_of(days, compound(100_000.0, returns)))
    sharpe, vol, used = rolling_figures(result)
    assert used == window
    # one value per full window of returns: 120 - window + 1
    assert len(sharpe.values) == len(vol.values) == 120 - window + 1
    chunk = returns[:window]
    mean = sum(chunk) / window
    std = math.sqrt(sum((r - mean) ** 2 for r in chunk) / (window - 1))
    periods = {63: 252, 13: 52, 91: 365}[window]
    assert vol.values[0] == pytest.approx(std * math.sqrt(periods), rel=1e-9)
    assert sharpe.values[0] == pytest.approx(mean / std * math.sqrt(periods), rel=1e-9)


def test_assumptions_state_a_commission_schedule_only_when_one_is_set() -> None:
    plain = run(market(trading_days(date(2024, 1, 2), 30)))
    assert "Commission schedule" not in dict(assumption_rows(plain))
    ib = CostModel.preset("ib_fixed")
    scheduled = plain.model_copy(
        update={"config": plain.config.model_copy(update={"cost_model": ib})}
    )
    rows = dict(assumption_rows(scheduled))
    assert rows["Commission schedule"] == (
        "commission 0 bps + 0.005/share (min 1, max 100 bps of notional, rounding cent), "
        "slippage 0 bps"
    )


def test_assumptions_state_spread_volume_and_impact_models_only_when_set() -> None:
    plain = run(market(trading_days(date(2024, 1, 2), 30)))
    labels = dict(assumption_rows(plain))
    for label in ("Spread", "Volume cap", "Volume-share slippage", "Market impact"):
        assert label not in labels
    model = CostModel(
        spread_bps=6, volume_limit=0.025, volume_impact=0.1, impact_y=1.2, impact_window=30
    )
    priced = plain.model_copy(
        update={"config": plain.config.model_copy(update={"cost_model": model})}
    )
    rows = dict(assumption_rows(priced))
    assert rows["Spread"] == "6 bps quoted; half paid on market and stop fills"
    assert rows["Volume cap"] == "each fill at most 0.025 of its bar's volume"
    assert rows["Volume-share slippage"] == "0.1 x (fill / bar volume)^2 of price"
    assert rows["Market impact"] == (
        "1.2 x sigma x sqrt(q / ADV), sigma and ADV over the 30 bars before the fill"
    )
