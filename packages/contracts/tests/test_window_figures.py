"""A run's figures from one session on (``window_figures``), checked by hand on a six-day run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from contracts_fake_engine import Action, FakeEngine, Scripted

from finbot.contracts import (
    BacktestResult,
    BarSeries,
    DatasetRef,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    StrategySpec,
    to_ns,
    window_figures,
)

FIRST = date(2024, 1, 1)
CLOSES = [10.0, 10.0, 11.0, 12.0, 9.0, 15.0]


def _run(script: dict[int, list[Action]]) -> BacktestResult:
    days = [to_ns(FIRST + timedelta(days=i)) for i in range(len(CLOSES))]
    data = MarketData(
        [Instrument(id="AAA")],
        [BarSeries.from_columns("AAA", days, CLOSES, CLOSES, CLOSES, CLOSES, [1e6] * 6)],
        name="six",
    )
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="six", snapshot_id=data.snapshot_id(), calendar="24/7"),
        starting_cash=1_000.0,
        fill_policy=FillPolicy.THIS_CLOSE,
        engine="fake",
    )
    return FakeEngine(data, config).run(Scripted(script))


def test_figures_from_a_later_day_start_on_the_equity_before_and_count_what_is_in_it() -> None:
    # Buy 10 at day 1's close (10), sell 10 at day 4's close (9), buy 10 at day 4's close (9).
    result = _run({1: [lambda ctx: ctx.buy("AAA", 10)],
                   4: [lambda ctx: ctx.sell("AAA", 10), lambda ctx: ctx.buy("AAA", 10)]})
    # Equity per day (cash 1000 - 100 = 900 from day 1): 1000, 1000, 1010, 1020, 990, 1050.
    assert result.equity_curve.equity == pytest.approx((1000, 1000, 1010, 1020, 990, 1050))
    figures = window_figures(result, to_ns(FIRST + timedelta(days=3)))
    assert figures.starting_equity == pytest.approx(1010)  # day 2's close
    assert figures.open_at_start  # the position bought on day 1 was held into day 3
    m = figures.metrics
    assert m.starting_equity == pytest.approx(1010) and m.final_equity == pytest.approx(1050)
    assert m.total_return == pytest.approx(1050 / 1010 - 1)
    assert m.max_drawdown == pytest.approx(1 - 990 / 1020)
    # The round trip closed on day 4 and the day-4 fills are in the window; day 1's fill is not.
    assert (m.trade_count, m.fill_count) == (1, 2)
    assert figures.curve.ts_ns == result.equity_curve.ts_ns[3:]
    # Daily returns on day 2's close: the same path as a run that started on day 3 with 1010.
    assert m.sharpe is not None
    returns = [1020 / 1010 - 1, 990 / 1020 - 1, 1050 / 990 - 1]
    mean = sum(returns) / 3
    std = (sum((r - mean) ** 2 for r in returns) / 2) ** 0.5
    assert m.sharpe == pytest.approx(mean / std * 365 ** 0.5)  # a seven-day market


def test_nothing_before_the_window_gives_the_runs_own_metrics_and_nothing_held() -> None:
    result = _run({0: [lambda ctx: ctx.buy("AAA", 10)]})
    for first in (None, to_ns(FIRST), to_ns(FIRST) - 1):
        figures = window_figures(result, first)
        assert figures.metrics == result.metrics and not figures.open_at_start
        assert figures.starting_equity == 1_000.0 and figures.curve == result.equity_curve


def test_a_flat_book_before_the_window_is_not_held() -> None:
    result = _run({3: [lambda ctx: ctx.buy("AAA", 10)]})
    figures = window_figures(result, to_ns(FIRST + timedelta(days=3)))
    assert not figures.open_at_start and figures.metrics.fill_count == 1
    assert figures.metrics.total_return == pytest.approx(result.metrics.total_return)
