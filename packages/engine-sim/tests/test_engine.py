"""SimEngine on hand-computed cases; its agreement with Backtrader is in tests/parity."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from finbot.contracts import (
    Bar,
    BarSeries,
    ConfigError,
    CostModel,
    DatasetRef,
    DataValidationError,
    FillPolicy,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    to_ns,
)
from finbot.engine_sim import SimEngine, SimSettings

DAY = 86_400 * 10**9
TS = [to_ns(date(2024, 1, 2)) + i * DAY for i in range(4)]
# open, high, low, close, volume
ROWS = [
    (10.0, 11.0, 9.0, 10.5, 100.0),
    (11.0, 12.0, 10.0, 11.5, 40.0),
    (12.0, 13.0, 11.0, 12.5, 40.0),
    (13.0, 14.0, 12.0, 13.5, 40.0),
]
DATA = MarketData(
    [Instrument(id="AAA")],
    [BarSeries.from_bars("AAA", [Bar(t, *r) for t, r in zip(TS, ROWS, strict=True)])],
    name="hand-made",
)


class BuyOnce(Strategy):
    strategy_id = "buy_once"

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        if ctx.bar_count("AAA") == 1:
            ctx.buy("AAA", 10)


def config(policy: FillPolicy = FillPolicy.NEXT_OPEN) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="buy_once"),
        dataset=DatasetRef(name="hand-made"),
        starting_cash=1_000.0,
        cost_model=CostModel(commission_per_share=0.01),
        fill_policy=policy,
        engine="sim",
    )


def test_a_market_buy_fills_at_the_next_open_and_is_booked():
    result = SimEngine().run(config(), BuyOnce(), DATA)
    [fill] = result.fills
    assert (fill.quantity, fill.price, fill.ts_ns, fill.commission) == (10.0, 11.0, TS[1], 0.1)
    # 1000 - 110 - 0.10 = 889.90 cash, 10 units marked at the last close 13.5
    assert result.metrics.final_equity == pytest.approx(889.9 + 135.0)
    assert (result.engine.name, result.engine.adapter) == ("sim", "finbot-engine-sim")
    assert result.engine.details == {"fill_policy": "next_open"}


def test_this_close_fills_at_the_close_the_strategy_saw():
    [fill] = SimEngine().run(config(FillPolicy.THIS_CLOSE), BuyOnce(), DATA).fills
    assert (fill.price, fill.ts_ns) == (10.5, TS[0])


def test_volume_share_splits_an_order_over_bars_and_is_recorded():
    result = SimEngine(SimSettings(volume_share=0.1)).run(config(), BuyOnce(), DATA)
    # 10% of volume 40 = 4 units per bar: 4 at 11, 4 at 12, the last 2 at 13
    assert [(f.quantity, f.price) for f in result.fills] == [(4.0, 11.0), (4.0, 12.0), (2.0, 13.0)]
    assert result.engine.details["volume_share"] == "0.1"


def test_bad_settings_and_empty_data_are_clear_errors():
    with pytest.raises(ConfigError, match=r"volume_share is 0\.0"):
        SimSettings(volume_share=0.0)
    empty = MarketData([Instrument(id="AAA")], [BarSeries.from_bars("AAA", [])], name="empty")
    with pytest.raises(DataValidationError, match="no bars"):
        SimEngine().run(config(), BuyOnce(), empty)
