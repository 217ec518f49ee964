"""Raw prices plus a split/dividend table: Backtrader, Nautilus (replica) and sim agree exactly.

Each engine applies the actions to its own books (ADR 0023): Backtrader's broker and Nautilus's
account are cross-checked against the runner's ledger at the end of every run, and the three
results must be identical. The hand-made cases pin the timing rules on tiny data; the golden
dataset's raw files carry BRAVO's 2:1 split and CHARLIE's 0.85 dividend.
"""

from __future__ import annotations

from datetime import date

import pytest
from scripted_runs import Action, Scripted, run_on_both_engines

from finbot.contracts import (
    Bar,
    BarSeries,
    CashDividend,
    CostModel,
    DatasetRef,
    EngineInfo,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    Split,
    StrategySpec,
    to_ns,
)
from finbot.contracts.engine import Simulation
from finbot.data import load_dataset
from finbot.parity import EXACT, compare_results
from finbot.strategies import GOLDEN_STRATEGIES

DATES = [date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
# AAA: 2:1 split ex DATES[3]; BBB: 2.00 dividend ex DATES[2], paid DATES[4]. (o, h, l, c)
PRICES = {
    "AAA": [(100, 101, 99, 100), (100, 103, 99, 102), (102, 103, 101, 102),
            (51, 52, 50, 51), (52, 53, 51, 53), (53, 54, 52, 54)],
    "BBB": [(40, 41, 39, 40), (40, 41, 39, 40), (38, 39, 37, 38),
            (38, 39, 37, 38), (38, 39, 37, 38), (38, 39, 37, 38)],
}
ACTIONS = (
    Split(instrument_id="AAA", ex_date=DATES[3], ratio=2.0),
    CashDividend(instrument_id="BBB", ex_date=DATES[2], amount=2.0, pay_date=DATES[4]),
)
SCRIPTS: dict[str, dict[int, list[Action]]] = {
    # held across the split, then sold in post-split shares
    "split": {0: [lambda c: c.buy("AAA", 10)], 3: [lambda c: c.sell("AAA", 20)]},
    # one fill priced the day before the ex-date, one on it
    "either_side": {1: [lambda c: c.buy("AAA", 10)], 3: [lambda c: c.buy("AAA", 10)]},
    # held at the ex-date, sold before the pay date: still paid
    "dividend": {0: [lambda c: c.buy("BBB", 10)], 2: [lambda c: c.sell("BBB", 10)]},
}


def hand_made() -> MarketData:
    series = [
        BarSeries.from_bars(
            iid,
            [Bar(to_ns(d), *map(float, row), 1_000.0) for d, row in zip(DATES, rows, strict=True)],
        )
        for iid, rows in PRICES.items()
    ]
    return MarketData([Instrument(id=i) for i in PRICES], series, ACTIONS, name="raw")


def every_engine(make, data: MarketData, config: RunConfig):
    bt, nt = run_on_both_engines(make, data, config)
    simulation = Simulation(make(), config.model_copy(update={"engine": "sim"}), data)
    sim = simulation.run(EngineInfo(name="sim", version="1", adapter="t", adapter_version="1"))
    for other in (nt, sim):
        report = compare_results(bt, other, EXACT)
        assert report.breaches == (), (other.engine.name, report.breaches)
        assert other.equity_curve == bt.equity_curve
    return bt, simulation.runner.actions


@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("case", list(SCRIPTS))
def test_hand_made_actions_agree(case, policy):
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="raw"),
        starting_cash=10_000.0,
        fill_policy=policy,
    )
    result, actions = every_engine(lambda: Scripted(SCRIPTS[case]), hand_made(), config)
    assert [a.held for a in actions.applied if a.held], "the case must hold through an action"
    if case == "split":
        # 10 bought at 100, split to 20 at 50, sold at 52 (next open) or 51 (this close)
        assert result.metrics.final_equity == (10_040.0 if policy is FillPolicy.NEXT_OPEN
                                               else 10_020.0)
    if case == "dividend":
        assert result.metrics.final_equity == 10_000.0  # -20 on the price, +20 of dividend


@pytest.fixture(scope="module")
def golden_raw() -> MarketData:
    return load_dataset("golden", adjust=False)


@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("strategy_id", list(GOLDEN_STRATEGIES))
def test_golden_strategies_on_raw_prices_agree(golden_raw, strategy_id, policy):
    assert {a.kind for a in golden_raw.corporate_actions} == {"split", "cash_dividend"}
    config = RunConfig(
        strategy=StrategySpec(id=strategy_id),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_per_share=0.005,
                             commission_minimum=1.0),
    )
    bt, actions = every_engine(GOLDEN_STRATEGIES[strategy_id], golden_raw, config)
    assert len(actions.applied) == 2
    if strategy_id == "momentum_rotation":
        # holds BRAVO through its split and CHARLIE through its dividend
        assert all(a.held > 0 for a in actions.applied)
        assert actions.paid and actions.paid[0].cash == actions.paid[0].held * 0.85
        # the paper broker (its own session loop over the same runner) books them the same
        from finbot.paper_broker import PaperEngine

        paper = PaperEngine().run(
            config.model_copy(update={"engine": "paper"}), GOLDEN_STRATEGIES[strategy_id](),
            golden_raw,
        )
        assert paper.fills == bt.fills
        assert paper.equity_curve == bt.equity_curve


def test_raw_prices_with_the_split_applied_equal_split_adjusted_prices():
    # Independent of the schedule's code: folding the split into the prices (data side) and
    # applying it to the position (engine side) must give the same run, share for share.
    from finbot.contracts import PriceMode
    from finbot.data import apply_price_mode

    held = {PriceMode.RAW: 100, PriceMode.SPLIT_ADJUSTED: 200}  # old vs new shares, same cost
    equity = {}
    for mode, shares in held.items():
        data = apply_price_mode(load_dataset("golden", adjust=False), mode).between(
            date(2022, 6, 1), date(2022, 7, 1)
        )
        config = RunConfig(
            strategy=StrategySpec(id="scripted"), dataset=DatasetRef(name="golden", prices=mode)
        )
        result, _ = every_engine(
            lambda s=shares: Scripted({0: [lambda c, s=s: c.buy("BRAVO", s)]}), data, config
        )
        equity[mode] = result.equity_curve.equity
    assert equity[PriceMode.RAW] == pytest.approx(equity[PriceMode.SPLIT_ADJUSTED], rel=1e-12)


def test_a_split_leaving_a_fraction_fails_clearly_on_nautilus_only():
    # 3 shares through a 3:2 split are 4.5: the books hold the fraction (Backtrader, sim); the
    # Nautilus adapter trades whole units and says so instead of diverging.
    from finbot.contracts import EngineRunError
    from finbot.engine_backtrader import BacktraderEngine
    from finbot.engine_nautilus import NautilusEngine

    data = hand_made()
    odd = Split(instrument_id="AAA", ex_date=DATES[3], ratio=1.5)
    data = MarketData(data.instruments.values(), data, (odd,), name="odd")
    config = RunConfig(strategy=StrategySpec(id="scripted"), dataset=DatasetRef(name="odd"))
    script = {0: [lambda c: c.buy("AAA", 3)]}
    bt = BacktraderEngine().run(config, Scripted(script), data)
    assert [p.quantity for p in bt.positions] == [4.5]
    with pytest.raises(EngineRunError, match="fractional position"):
        NautilusEngine().run(config.model_copy(update={"engine": "nautilus"}), Scripted(script),
                             data)
