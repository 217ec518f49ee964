"""Bracket orders (an entry, then a stop-loss and a take-profit as one OCO once it fills) agree
exactly on every engine and never leave an unintended short."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from finbot.contracts import (
    Bar,
    CostModel,
    DatasetRef,
    FillPolicy,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
)
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.engine_sim import SimEngine
from finbot.parity import EXACT, compare_results


class Brackets(Strategy):
    """Every 10th bar of BRAVO, when flat and idle: a bracketed buy (market or limit entry)."""

    strategy_id = "brackets"

    def __init__(self, width: float, limit_entry: bool) -> None:
        super().__init__()
        self.width = width
        self.limit_entry = limit_entry

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        bar = bars.get("BRAVO")
        if bar is None or ctx.position("BRAVO") or ctx.open_orders("BRAVO"):
            return
        if ctx.bar_count("BRAVO") % 10:
            return
        close = bar.close
        entry = OrderRequest(
            instrument_id="BRAVO",
            side=OrderSide.BUY,
            quantity=50,
            order_type=OrderType.LIMIT if self.limit_entry else OrderType.MARKET,
            limit_price=round(close * 0.995, 2) if self.limit_entry else None,
        )
        ctx.bracket(
            entry,
            stop_loss=round(close * (1 - self.width), 2),
            take_profit=round(close * (1 + self.width), 2),
        )


@pytest.mark.parametrize(("width", "limit_entry"), [(0.02, False), (0.03, True)])
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_brackets_agree_on_every_engine_and_never_go_short(policy, width, limit_entry):
    data = load_dataset("golden")
    config = RunConfig(
        strategy=StrategySpec(id="brackets"),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_minimum=1.0),
    )
    bt = BacktraderEngine().run(config, Brackets(width, limit_entry), data)
    exits = [o for o in bt.orders if (o.request.tag or "").startswith("bracket ")]
    assert sum(o.status is OrderStatus.FILLED for o in exits) > 5
    assert sum(o.status is OrderStatus.CANCELED for o in exits) > 5
    held = 0.0
    for fill in bt.fills:
        held += fill.signed_quantity
        assert held >= 0.0, f"short after {fill}"
    for engine in (NautilusEngine(), SimEngine()):
        other = engine.run(
            config.model_copy(update={"engine": engine.name}), Brackets(width, limit_entry), data
        )
        report = compare_results(bt, other, EXACT)
        assert report.breaches == (), (engine.name, report.breaches)
