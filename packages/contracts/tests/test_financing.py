"""Borrow fees on shorts and funding on negative cash, hand-computed (docs/adr/0022)."""

from __future__ import annotations

from datetime import date

import pytest
from contracts_fake_engine import Scripted
from test_sim_broker import ROWS, SIM

from finbot.contracts import (
    AccountKind,
    AccountModel,
    Bar,
    BarSeries,
    CostModel,
    DatasetRef,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    StrategySpec,
    to_ns,
)
from finbot.contracts.engine import Simulation

# The simulated broker tests' bars, stamped Thursday, Friday, then Monday to Wednesday: the
# weekend is three calendar days held over.
TS = [to_ns(date(2024, 1, d)) for d in (4, 5, 8, 9, 10)]
DATA = MarketData(
    [Instrument(id="AAA")],
    [BarSeries.from_bars("AAA", [Bar(t, *r, 1_000.0) for t, r in zip(TS, ROWS, strict=True)])],
    name="week",
)


def run(script, account, policy=FillPolicy.NEXT_OPEN):
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="week"),
        cost_model=CostModel(),
        fill_policy=policy,
        account=account,
    )
    simulation = Simulation(Scripted(script), config, DATA)
    return simulation.run(SIM), simulation.runner.ledger.financing


def test_borrow_accrues_per_calendar_day_on_the_short_held_over():
    account = AccountModel(kind=AccountKind.MARGIN, borrow_rate=0.036)  # 0.01% a day, ACT/360
    result, financing = run({0: [lambda ctx: ctx.sell("AAA", 100)]}, account)
    # sold at Friday's open 103 (not held over Thursday night: nothing for Friday);
    # Monday: 3 days on 100 x Friday's close 104 = 3.12; Tuesday: 1 day x 101 = 1.01;
    # Wednesday: 1 day x 97 = 0.97
    assert financing.borrow == pytest.approx(3.12 + 1.01 + 0.97, abs=1e-9)
    assert financing.funding == 0.0
    # each a separate total of the result's cost breakdown
    assert (result.costs.borrow, result.costs.funding) == (financing.borrow, 0.0)
    assert result.costs.commission == 0.0
    cash = result.equity_curve.cash
    assert cash[1] == pytest.approx(100_000.0 + 10_300.0)
    assert cash[2] == pytest.approx(100_000.0 + 10_300.0 - 3.12)
    assert cash[-1] == pytest.approx(100_000.0 + 10_300.0 - 5.10)
    assert result.metrics.final_equity == pytest.approx(110_300.0 - 5.10 - 100 * 99.0)


def test_a_this_close_short_is_held_over_its_first_night():
    account = AccountModel(kind=AccountKind.MARGIN, borrow_rate=0.036)
    _, financing = run({0: [lambda ctx: ctx.sell("AAA", 100)]}, account, FillPolicy.THIS_CLOSE)
    # sold at Thursday's close 101: Friday charges 1 day x 101 = 1.01, then as above
    assert financing.borrow == pytest.approx(1.01 + 3.12 + 1.01 + 0.97, abs=1e-9)


def test_funding_accrues_on_negative_cash_and_compounds():
    account = AccountModel(kind=AccountKind.MARGIN, funding_rate=0.072)  # 0.02% a day
    result, financing = run({0: [lambda ctx: ctx.buy("AAA", 1_500)]}, account)
    # 1,500 x 103 = 154,500 on 100,000 of cash: -54,500 (equity 100,000 >= 50% of 154,500)
    monday = 54_500.0 * 0.0002 * 3  # 32.70
    tuesday = (54_500.0 + monday) * 0.0002
    wednesday = (54_500.0 + monday + tuesday) * 0.0002
    assert financing.funding == pytest.approx(monday + tuesday + wednesday, abs=1e-9)
    assert financing.borrow == 0.0
    assert (result.costs.borrow, result.costs.funding) == (0.0, financing.funding)
    assert result.equity_curve.cash[-1] == pytest.approx(-54_500.0 - financing.funding)


def test_day_count_365_and_no_charge_without_rates():
    account = AccountModel(kind=AccountKind.MARGIN, borrow_rate=0.0365, day_count=365)
    _, financing = run({0: [lambda ctx: ctx.sell("AAA", 100)]}, account)
    assert financing.borrow == pytest.approx(3.12 + 1.01 + 0.97, abs=1e-9)
    _, none = run({0: [lambda ctx: ctx.sell("AAA", 100)]}, AccountModel(kind=AccountKind.MARGIN))
    assert none is None


def test_rates_need_a_margin_account():
    with pytest.raises(ValueError, match="need kind 'margin'"):
        AccountModel(borrow_rate=0.01)
    with pytest.raises(ValueError, match="need kind 'margin'"):
        AccountModel(kind=AccountKind.UNCHECKED, funding_rate=0.01)
