"""One-cancels-other exits (a stop and a target on one position) agree exactly on every engine,
and never both fill: the position never goes short."""

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
    OrderUpdate,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    TimeInForce,
)
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.engine_sim import SimEngine
from finbot.parity import EXACT, compare_results


class StopAndTarget(Strategy):
    """Buys ALPHA every 10th bar when flat; once long, a stop and a target as one OCO group."""

    strategy_id = "stop_and_target"

    def __init__(self, width: float, tif: TimeInForce = TimeInForce.GTC) -> None:
        super().__init__()
        self.width = width
        self.tif = tif
        self.exits: list[str] = []

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        if update.order_id in self.exits and update.status.is_final:
            self.exits = []

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        if "ALPHA" not in bars:
            return
        held = ctx.position("ALPHA")
        close = bars["ALPHA"].close
        if held and not self.exits:
            leg = {"instrument_id": "ALPHA", "side": OrderSide.SELL, "quantity": held}
            self.exits = ctx.submit_oco(
                [
                    OrderRequest(
                        **leg,
                        order_type=OrderType.STOP,
                        stop_price=round(close * (1 - self.width), 2),
                        time_in_force=self.tif,
                    ),
                    OrderRequest(
                        **leg,
                        order_type=OrderType.LIMIT,
                        limit_price=round(close * (1 + self.width), 2),
                        time_in_force=self.tif,
                    ),
                ]
            )
        elif not held and not ctx.open_orders("ALPHA") and ctx.bar_count("ALPHA") % 10 == 0:
            ctx.buy("ALPHA", 100)


@pytest.mark.parametrize(
    ("width", "tif"), [(0.02, TimeInForce.GTC), (0.04, TimeInForce.GTC), (0.01, TimeInForce.DAY)]
)
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_oco_exits_agree_on_every_engine_and_never_go_short(policy, width, tif):
    data = load_dataset("golden")
    config = RunConfig(
        strategy=StrategySpec(id="stop_and_target"),
        dataset=DatasetRef(name="golden"),
        fill_policy=policy,
        cost_model=CostModel(commission_bps=5.0, commission_minimum=1.0),
    )
    bt = BacktraderEngine().run(config, StopAndTarget(width, tif), data)
    exits = [o for o in bt.orders if o.request.side is OrderSide.SELL]
    assert sum(o.status is OrderStatus.FILLED for o in exits) > 5
    assert sum(o.status is OrderStatus.CANCELED for o in exits) > 5  # the other leg, each time
    held = 0.0
    for fill in bt.fills:
        held += fill.signed_quantity
        assert held >= 0.0, f"short after {fill}"
    for engine in (NautilusEngine(), SimEngine()):
        other = engine.run(
            config.model_copy(update={"engine": engine.name}), StopAndTarget(width, tif), data
        )
        report = compare_results(bt, other, EXACT)
        assert report.breaches == (), (engine.name, report.breaches)
