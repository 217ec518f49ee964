"""``finbot costs``: re-pricing recorded fills equals rerunning under those costs (fixed sizes)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from finbot.app import analyze_costs
from finbot.app._cost_analysis import Repricer, break_even_bps
from finbot.contracts import (
    BacktestResult,
    Bar,
    CommissionTier,
    ConfigError,
    CostModel,
    DatasetRef,
    FillPolicy,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)
from finbot.data import synthetic_daily
from finbot.engine_sim import SimEngine

DATA = synthetic_daily(n_bars=160, instruments=2, seed=2)  # a run that makes money gross
CHEAP = CostModel(commission_bps=1.0)
# every kind at once: a schedule, slippage, a spread and square-root impact
DEAR = CostModel(
    commission_fixed=0.5,
    commission_tiers=(CommissionTier(up_to=50, per_share=0.01), CommissionTier(per_share=0.004)),
    commission_minimum=1.0,
    slippage_bps=3.0,
    spread_bps=8.0,
    impact_y=0.9,
    impact_window=15,
)


class FixedSizes(Strategy):
    """Market, limit and stop orders of fixed sizes: the same orders whatever the costs."""

    strategy_id = "fixed_sizes"

    def __init__(self) -> None:
        super().__init__()
        self.step = 0

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.step += 1
        for k, (iid, bar) in enumerate(sorted(bars.items())):
            phase = (self.step + 3 * k) % 12
            held = ctx.position(iid)
            if phase == 0 and held == 0:
                ctx.buy(iid, 120)
            elif phase == 4 and held > 0:
                ctx.sell(iid, 40, limit_price=round(bar.close * 1.01, 2))
            elif phase == 7 and held > 0 and not ctx.open_orders(iid):
                ctx.sell(iid, held, stop_price=round(bar.close * 0.995, 2))
            elif phase == 10 and held > 0 and not ctx.open_orders(iid):
                ctx.close_position(iid)


def run(costs: CostModel, policy: FillPolicy) -> BacktestResult:
    config = RunConfig(
        strategy=StrategySpec(id=FixedSizes.strategy_id),
        dataset=DatasetRef(name=DATA.name),
        starting_cash=1_000_000.0,
        cost_model=costs,
        fill_policy=policy,
        engine="sim",
    )
    return SimEngine().run(config, FixedSizes(), DATA)


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_repricing_the_cheap_run_under_dear_costs_equals_the_dear_rerun(policy: FillPolicy) -> None:
    cheap, dear = run(CHEAP, policy), run(DEAR, policy)
    assert len(cheap.fills) == len(dear.fills) > 20  # the same orders filled on the same bars
    repricer = Repricer(cheap, DATA)
    sharpe, total, paid = repricer.evaluate(repricer.under(DEAR))
    assert sharpe == pytest.approx(dear.metrics.sharpe, rel=1e-9)
    assert total == pytest.approx(dear.metrics.total_return, rel=1e-9, abs=1e-12)
    assert paid == pytest.approx(
        dear.costs.commission + dear.costs.slippage + dear.costs.spread + dear.costs.impact,
        rel=1e-9,
    )
    # and back: the dear run re-priced under its own costs is itself
    again = Repricer(dear, DATA)
    assert again.evaluate(again.under(DEAR))[1] == pytest.approx(dear.metrics.total_return)


def test_break_even_cost_is_where_net_sharpe_crosses_zero() -> None:
    result = run(CostModel(), FillPolicy.NEXT_OPEN)
    repricer = Repricer(result, DATA)
    gross = repricer.evaluate(repricer.flat(0.0))[0]
    assert gross == pytest.approx(result.metrics.sharpe)  # nothing was paid
    assert gross is not None and gross > 0
    found = break_even_bps(repricer)
    assert found is not None and 1 < found < 1_000
    below = repricer.evaluate(repricer.flat(found - 0.05))[0]
    above = repricer.evaluate(repricer.flat(found + 0.05))[0]
    assert below is not None and below > 0
    assert above is None or above < 0


def test_a_run_that_loses_before_costs_has_no_break_even() -> None:
    config = run(CostModel(), FillPolicy.NEXT_OPEN).config
    losing = synthetic_daily(n_bars=160, instruments=2, seed=7)
    result = SimEngine().run(config, FixedSizes(), losing)
    assert result.metrics.sharpe is not None and result.metrics.sharpe < 0
    assert break_even_bps(Repricer(result, losing)) is None


def test_capacity_grid_scales_sizes_and_impact() -> None:
    result = run(CHEAP, FillPolicy.NEXT_OPEN)
    report = analyze_costs(result, DATA, bps=(0, 10), impact_y=(0.5, 1.5), sizes=(1, 10))
    assert [p.cost_bps for p in report.sweep] == [0, 10]
    assert report.sweep[0].costs_paid == 0.0
    grid = {(p.impact_y, p.size_multiple): p for p in report.capacity}
    assert set(grid) == {(0.5, 1), (0.5, 10), (1.5, 1), (1.5, 10)}
    # more impact or larger orders cost more, participation grows with size
    assert grid[1.5, 1].costs_paid > grid[0.5, 1].costs_paid
    assert grid[0.5, 10].costs_paid > 10 * grid[0.5, 1].costs_paid  # sqrt impact grows per unit
    assert grid[0.5, 10].max_participation == pytest.approx(10 * grid[0.5, 1].max_participation)
    assert report.recorded_cost_bps == pytest.approx(1.0, abs=0.01)  # 1 bp commission, cents
    with pytest.raises(ConfigError, match="positive"):
        analyze_costs(result, DATA, sizes=(0,))
