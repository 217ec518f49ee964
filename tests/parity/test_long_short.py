"""A long/short strategy on a margin account agrees exactly on Backtrader, Nautilus, sim and paper,
and a cash account refuses its shorts the same way everywhere (issue 9, docs/adr/0022)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from finbot.contracts import (
    AccountKind,
    AccountModel,
    BacktestResult,
    Bar,
    CostModel,
    DatasetRef,
    FillPolicy,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.engine_sim import SimEngine
from finbot.paper_broker import PaperEngine
from finbot.parity import EXACT, compare_results


class LongShort(Strategy):
    """Every 20 bars: flatten, then on the next bar buy the best and short the worst 20-bar mover.

    Legs of 150% long and 30% short of equity make 180% gross exposure and negative cash: more
    than a cash account could hold, within a 50% margin account's limit.
    """

    strategy_id = "long_short"

    def __init__(self, long: float, short: float) -> None:
        super().__init__()
        self.long = long
        self.short = short
        self.bars = 0

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self.bars += 1
        phase = self.bars % 20
        if phase == 0:
            for iid in ctx.instrument_ids:
                ctx.close_position(iid)
        elif phase == 1 and self.bars > 20:
            moves = {}
            for iid in ctx.instrument_ids:
                closes = ctx.history(iid, "close", 20)
                if len(closes) == 20 and iid in bars:
                    moves[iid] = closes[-1] / closes[0]
            if len(moves) >= 2:
                ranked = sorted(moves, key=moves.__getitem__)
                ctx.order_target_percent(ranked[-1], self.long)
                ctx.order_target_percent(ranked[0], -self.short)


def _run_everywhere(config: RunConfig, long: float, short: float) -> list[BacktestResult]:
    data = load_dataset("golden")
    return [
        engine.run(config.model_copy(update={"engine": engine.name}), LongShort(long, short), data)
        for engine in (BacktraderEngine(), NautilusEngine(), SimEngine(), PaperEngine())
    ]


def _config(policy: FillPolicy, account: AccountModel) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="long_short"),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_minimum=1.0),
        account=account,
    )


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_long_short_on_margin_agrees_exactly_on_every_engine(policy: FillPolicy) -> None:
    margin = AccountModel(kind=AccountKind.MARGIN)
    bt, *others = _run_everywhere(_config(policy, margin), 1.5, 0.3)
    for other in others:
        assert compare_results(bt, other, EXACT).breaches == (), other.engine.name
    shorts = [f for f in bt.fills if f.side == "sell"]
    assert len(bt.trades) > 40 and any(t.direction == -1 for t in bt.trades)
    assert shorts
    # it really borrows: gross exposure above equity on some step, cash below zero on others
    curve = bt.equity_curve
    assert max(g / e for g, e in zip(curve.gross_exposure, curve.equity, strict=True)) > 1.5
    assert min(curve.cash) < 0.0


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_the_margin_limit_rejects_alike_on_every_engine(policy: FillPolicy) -> None:
    # 170% long and 60% short ask for 230% gross exposure, beyond a 50% margin's 200%: every
    # engine refuses the same legs ("insufficient margin") and agrees on the rest.
    margin = AccountModel(kind=AccountKind.MARGIN)
    bt, *others = _run_everywhere(_config(policy, margin), 1.7, 0.6)
    for other in others:
        assert compare_results(bt, other, EXACT).breaches == (), other.engine.name
    refused = [o for o in bt.orders if o.reason == "insufficient margin"]
    assert refused and bt.fills


def test_borrow_and_funding_agree_exactly_on_every_engine() -> None:
    financed = AccountModel(kind=AccountKind.MARGIN, borrow_rate=0.05, funding_rate=0.08)
    runs = _run_everywhere(_config(FillPolicy.NEXT_OPEN, financed), 1.5, 0.3)
    for other in runs[1:]:
        assert compare_results(runs[0], other, EXACT).breaches == (), other.engine.name
    free = _run_everywhere(_config(FillPolicy.NEXT_OPEN, AccountModel(kind=AccountKind.MARGIN)),
                           1.5, 0.3)[2]
    # the financing is charged, each kind a separate total: the financed run ends poorer
    costs = runs[2].costs
    assert costs.borrow > 0.0 and costs.funding > 0.0
    assert (free.costs.borrow, free.costs.funding) == (0.0, 0.0)
    assert runs[2].metrics.final_equity < free.metrics.final_equity


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_a_cash_account_refuses_the_shorts_alike_everywhere(policy: FillPolicy) -> None:
    bt, *others = _run_everywhere(_config(policy, AccountModel()), 0.5, 0.3)
    for other in others:
        assert compare_results(bt, other, EXACT).breaches == (), other.engine.name
    refused = [o for o in bt.orders if o.reason and "cannot sell short" in o.reason]
    assert refused and all(t.direction == 1 for t in bt.trades)
