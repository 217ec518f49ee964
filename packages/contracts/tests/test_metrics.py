"""compute_metrics against hand-computed cases; each expected value is derived in the comments."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime

import pytest

from finbot.contracts import (
    EquityCurve,
    Fill,
    OrderSide,
    TradeRecord,
    compute_metrics,
    daily_equity,
    to_ns,
)

DAY = 86_400 * 10**9
T0 = to_ns(date(2024, 1, 2))
ROOT_252 = math.sqrt(252)


def curve(equity: list[float], gross: list[float] | None = None, step: int = DAY) -> EquityCurve:
    n = len(equity)
    return EquityCurve(
        ts_ns=tuple(T0 + i * step for i in range(n)),
        equity=tuple(equity),
        cash=tuple(equity),
        gross_exposure=tuple(gross or [0.0] * n),
    )


def trade(net: float) -> TradeRecord:
    return TradeRecord(
        instrument_id="AAA",
        direction=1,
        quantity=1,
        entry_ts_ns=T0,
        exit_ts_ns=T0 + DAY,
        entry_price=10,
        exit_price=10 + net,
        gross_pnl=net,
        commission=0,
        net_pnl=net,
    )


def fill(side: OrderSide, quantity: float, price: float, commission: float = 0.0) -> Fill:
    return Fill("O-000001", "AAA", side, quantity, price, commission, 0.0, T0)


# Five daily points from 100 of starting cash: +0%, +10%, -10%, +10%, +10%
#   100 -> 100 -> 110 -> 99 -> 108.9 -> 119.79
FIVE = [100.0, 110.0, 99.0, 108.9, 119.79]
RETURNS = [0.0, 0.1, -0.1, 0.1, 0.1]


def five() -> EquityCurve:
    return curve(FIVE)


def test_total_return() -> None:
    m = compute_metrics(five(), [], [], [], 100.0)
    # 119.79 / 100 - 1
    assert m.total_return == pytest.approx(0.1979)
    assert (m.starting_equity, m.final_equity) == (100.0, 119.79)


def test_volatility_sharpe_sortino_by_hand() -> None:
    m = compute_metrics(five(), [], [], [], 100.0)
    # daily returns: 0 (first session: cash only), +0.1, -0.1, +0.1, +0.1
    # mean = 0.2 / 5 = 0.04
    # squared deviations: 0.04^2 + 0.06^2 + 0.14^2 + 0.06^2 + 0.06^2
    #   = 0.0016 + 0.0036 + 0.0196 + 0.0036 + 0.0036 = 0.032; sample variance 0.032 / 4 = 0.008
    std = math.sqrt(0.008)
    assert m.annual_volatility == pytest.approx(std * ROOT_252)  # 0.0894427 * 15.8745 = 1.41986
    assert m.annual_volatility == pytest.approx(1.4198591, rel=1e-7)
    assert m.sharpe == pytest.approx(0.04 / std * ROOT_252)  # 7.0993
    assert m.sharpe == pytest.approx(7.0992957, rel=1e-7)
    # downside deviation: sqrt((0 + 0 + 0.01 + 0 + 0) / 5) = sqrt(0.002)
    assert m.sortino == pytest.approx(0.04 / math.sqrt(0.002) * ROOT_252)  # 14.1986
    assert m.sortino == pytest.approx(14.1985914, rel=1e-7)


def test_sharpe_and_volatility_agree_with_the_statistics_module() -> None:
    returns = [0.01, -0.02, 0.015, 0.003, -0.007, 0.012, 0.0, -0.001]
    equity = [1_000.0]
    for r in returns[1:]:
        equity.append(equity[-1] * (1 + r))
    # the first session's return is measured from starting cash, so make it returns[0]
    start = equity[0] / (1 + returns[0])
    m = compute_metrics(curve(equity), [], [], [], start)
    stdev = statistics.stdev(returns)
    assert m.annual_volatility == pytest.approx(stdev * ROOT_252, rel=1e-12)
    assert m.sharpe == pytest.approx(statistics.fmean(returns) / stdev * ROOT_252, rel=1e-9)


def test_max_drawdown_and_duration() -> None:
    m = compute_metrics(five(), [], [], [], 100.0)
    # peak 110 (day 1), trough 99 (day 2): 1 - 99/110 = 0.1
    assert m.max_drawdown == pytest.approx(0.1)
    # below the day-1 peak on days 2 and 3, new high on day 4: 3 - 1 = 2 days underwater
    assert m.max_drawdown_duration_days == 2.0


def test_drawdown_never_recovered_runs_to_the_end() -> None:
    # peak 100 on day 0; 90, 80, 95 after it: worst 1 - 80/100 = 0.2, still below on day 3
    m = compute_metrics(curve([100.0, 90.0, 80.0, 95.0]), [], [], [], 100.0)
    assert m.max_drawdown == pytest.approx(0.2)
    assert m.max_drawdown_duration_days == 3.0


def test_cagr_and_calmar_over_four_years() -> None:
    # 2020-01-01 .. 2024-01-01 is 1461 days = 4 * 365.25: exactly four years
    stamps = [date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1), date(2024, 1, 1)]
    equity = (100.0, 125.0, 100.0, 146.41)
    c = EquityCurve(
        ts_ns=tuple(to_ns(d) for d in stamps),
        equity=equity,
        cash=equity,
        gross_exposure=(0.0,) * 4,
    )
    m = compute_metrics(c, [], [], [], 100.0)
    # 146.41 / 100 = 1.1^4, so CAGR = 10%
    assert m.cagr == pytest.approx(0.1)
    # max drawdown 1 - 100/125 = 0.2 (2021-01-01 -> 2022-01-01, 365 days)
    assert m.max_drawdown == pytest.approx(0.2)
    assert m.max_drawdown_duration_days == 365.0
    # Calmar = CAGR / max drawdown = 0.1 / 0.2
    assert m.calmar == pytest.approx(0.5)


def test_five_day_cagr_is_annualized_over_calendar_days() -> None:
    m = compute_metrics(five(), [], [], [], 100.0)
    # first to last point: 4 calendar days = 4 / 365.25 years
    assert m.cagr == pytest.approx(1.1979 ** (365.25 / 4) - 1)
    assert m.calmar == pytest.approx(m.cagr / 0.1)  # type: ignore[operator]


def test_win_rate_and_profit_factor() -> None:
    trades = [trade(30), trade(-10), trade(20), trade(-5), trade(0)]
    m = compute_metrics(five(), trades, [], [], 100.0)
    # 2 winners of 5 (a zero trade is not a win)
    assert m.win_rate == pytest.approx(0.4)
    # gross profit 30 + 20 = 50; gross loss 10 + 5 = 15
    assert m.profit_factor == pytest.approx(50 / 15)
    assert m.trade_count == 5


def test_profit_factor_is_undefined_without_losses() -> None:
    m = compute_metrics(five(), [trade(5)], [], [], 100.0)
    assert (m.win_rate, m.profit_factor) == (1.0, None)
    empty = compute_metrics(five(), [], [], [], 100.0)
    assert (empty.win_rate, empty.profit_factor, empty.trade_count) == (None, None, 0)


def test_turnover_exposure_and_counts() -> None:
    c = curve([100.0, 110.0, 99.0, 108.9, 119.79], gross=[0.0, 55.0, 49.5, 0.0, 0.0])
    fills = [
        fill(OrderSide.BUY, 5, 10.0, 0.05),
        fill(OrderSide.SELL, 5, 11.0, 0.05),
        fill(OrderSide.BUY, 2, 12.5, 0.02),
    ]
    m = compute_metrics(c, [], fills, [], 100.0)
    # traded notional 50 + 55 + 25 = 130; mean equity (100+110+99+108.9+119.79)/5 = 107.538
    assert m.turnover == pytest.approx(130 / 107.538)
    # exposure: mean of 0/100, 55/110 = 0.5, 49.5/99 = 0.5, 0, 0 = 1.0 / 5 = 0.2
    assert m.exposure == pytest.approx(0.2)
    assert (m.fill_count, m.order_count) == (3, 0)
    assert m.total_commission == pytest.approx(0.12)


def test_flat_and_short_curves() -> None:
    flat = compute_metrics(curve([100.0] * 4), [], [], [], 100.0)
    # four zero returns: zero volatility; Sharpe and Sortino undefined
    assert (flat.annual_volatility, flat.sharpe, flat.sortino) == (0.0, None, None)
    assert (flat.total_return, flat.max_drawdown, flat.max_drawdown_duration_days) == (0, 0, 0)
    assert flat.cagr == 0.0
    assert flat.calmar is None
    one = compute_metrics(curve([101.0]), [], [], [], 100.0)
    # one point: a total return, but no span for CAGR and one return only
    assert one.total_return == pytest.approx(0.01)
    assert (one.cagr, one.annual_volatility, one.sharpe) == (None, None, None)
    empty = compute_metrics(EquityCurve(), [], [], [], 100.0)
    assert (empty.final_equity, empty.total_return, empty.exposure) == (100.0, 0.0, 0.0)


def test_ruined_account_gives_undefined_ratios_not_a_crash() -> None:
    m = compute_metrics(curve([100.0, 0.0, 50.0]), [], [], [], 100.0)
    assert m.max_drawdown == 1.0
    assert (m.annual_volatility, m.sharpe, m.sortino) == (None, None, None)


def test_hours_long_run_leaves_cagr_undefined_instead_of_overflowing() -> None:
    # +50% in one hour would compound to about 1.5^8766 a year: beyond float range
    m = compute_metrics(curve([100.0, 150.0], step=3600 * 10**9), [], [], [], 100.0)
    assert m.total_return == pytest.approx(0.5)
    assert (m.cagr, m.calmar) == (None, None)


def test_daily_equity_takes_each_utc_days_last_point() -> None:
    stamps = [
        datetime(2024, 1, 2, 14, 30, tzinfo=UTC),
        datetime(2024, 1, 2, 16, 30, tzinfo=UTC),  # last of Jan 2
        datetime(2024, 1, 3, 14, 30, tzinfo=UTC),
        datetime(2024, 1, 3, 23, 59, 59, tzinfo=UTC),  # last of Jan 3
        datetime(2024, 1, 4, 0, 0, tzinfo=UTC),  # midnight UTC starts Jan 4
    ]
    c = EquityCurve(
        ts_ns=tuple(to_ns(s) for s in stamps),
        equity=(1.0, 2.0, 3.0, 4.0, 5.0),
        cash=(0.0,) * 5,
        gross_exposure=(0.0,) * 5,
    )
    assert daily_equity(c) == [2.0, 4.0, 5.0]
    # returns are taken between those daily points (from starting cash 1.0): +100%, +100%, +25%
    m = compute_metrics(c, [], [], [], 1.0)
    assert m.annual_volatility == pytest.approx(statistics.stdev([1.0, 1.0, 0.25]) * ROOT_252)


# --- periods_per_year: the annualization factor follows the sampling -----------------------------
def _days(start: date, step_days: int, n: int, *, weekdays_only: bool = False) -> list[int]:
    day = to_ns(start) // DAY
    out: list[int] = []
    while len(out) < n:
        if not weekdays_only or (day + 3) % 7 < 5:  # 1970-01-01 was a Thursday
            out.append(day)
        day += step_days
    return out


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (_days(date(2024, 1, 1), 1, 60, weekdays_only=True), 252),  # Mon-Fri sessions
        (_days(date(2024, 1, 1), 1, 60), 365),  # seven-day market: 2/7 of days are weekends
        (_days(date(2024, 1, 5), 7, 30), 52),  # Fridays
        (_days(date(2024, 1, 31), 30, 24), 12),  # month ends, roughly
        (_days(date(2024, 1, 2), 1, 1), 252),  # one point: nothing to infer
    ],
)
def test_periods_per_year(days: list[int], expected: int) -> None:
    from finbot.contracts import periods_per_year

    assert periods_per_year(days) == expected


def test_weekly_series_is_annualized_with_52() -> None:
    # The FIVE curve sampled weekly: the same returns, std sqrt(0.008), mean 0.04 -> Sharpe
    # 0.04 / 0.0894427 * sqrt(52) = 3.2249031 (with 252 it would be 7.0993: the classic bug).
    m = compute_metrics(curve(FIVE, step=7 * DAY), [], [], [], 100.0)
    assert m.sharpe == pytest.approx(0.04 / math.sqrt(0.008) * math.sqrt(52))
    assert m.sharpe == pytest.approx(3.2249031, rel=1e-7)
    assert m.annual_volatility == pytest.approx(math.sqrt(0.008) * math.sqrt(52))


def test_seven_day_series_is_annualized_with_365() -> None:
    # 14 calendar days from Monday 2024-01-01 with alternating +1% / -0.5% days.
    equity = [100.0]
    for i in range(13):
        equity.append(equity[-1] * (1.01 if i % 2 == 0 else 0.995))
    monday = to_ns(date(2024, 1, 1))
    c = EquityCurve(
        ts_ns=tuple(monday + i * DAY for i in range(14)),
        equity=tuple(equity),
        cash=tuple(equity),
        gross_exposure=(0.0,) * 14,
    )
    m = compute_metrics(c, [], [], [], 100.0)
    returns = [0.0] + [0.01 if i % 2 == 0 else -0.005 for i in range(13)]
    expected = statistics.fmean(returns) / statistics.stdev(returns) * math.sqrt(365)
    assert m.sharpe == pytest.approx(expected, rel=1e-9)
