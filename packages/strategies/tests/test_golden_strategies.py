"""The golden strategies' rules, checked step by step through a StrategyRunner with a fake router.

The router records what the strategy sends; fills are injected by hand, so each decision (when,
what, how much, at what price) is checked against numbers worked out here.
"""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import pytest

from finbot.contracts import (
    Bar,
    BarSeries,
    ConfigError,
    DatasetRef,
    Instrument,
    MarketData,
    OrderRequest,
    OrderSide,
    OrderType,
    RunConfig,
    Strategy,
    StrategyRunner,
    StrategySpec,
    to_ns,
)
from finbot.strategies import (
    GOLDEN_STRATEGIES,
    BollingerReversion,
    MomentumRotation,
    SmaCrossover,
)
from finbot.strategies._indicators import bollinger, sma


class Router:
    def __init__(self) -> None:
        self.sent: list[tuple[str, OrderRequest]] = []
        self.canceled: list[str] = []

    def submit(self, order_id: str, request: OrderRequest) -> None:
        self.sent.append((order_id, request))

    def cancel(self, order_id: str) -> None:
        self.canceled.append(order_id)


def closes_series(iid: str, closes: list[float], start: date = date(2024, 1, 1)) -> BarSeries:
    days = [start + timedelta(days=i) for i in range(len(closes))]
    bars = [Bar(to_ns(d), c, c, c, c, 1.0) for d, c in zip(days, closes, strict=True)]
    return BarSeries.from_bars(iid, bars)


def runner_for(strategy: Strategy, *series: BarSeries) -> tuple[StrategyRunner, Router]:
    data = MarketData([Instrument(id=s.instrument_id) for s in series], series, name="t")
    config = RunConfig(strategy=StrategySpec(id=strategy.strategy_id), dataset=DatasetRef(name="t"))
    router = Router()
    runner = StrategyRunner(strategy, config, data, router)
    runner.start()
    return runner, router


def test_registry_maps_ids_to_classes() -> None:
    assert dict(GOLDEN_STRATEGIES) == {
        "sma_crossover": SmaCrossover,
        "bollinger_reversion": BollingerReversion,
        "momentum_rotation": MomentumRotation,
    }


def test_indicators_match_the_textbook_formulas() -> None:
    window = [10.0, 11.0, 9.5, 12.25, 10.5]
    assert sma(window) == pytest.approx(statistics.fmean(window))
    lower, mid, upper = bollinger(window, 2.0)
    dev = 2.0 * statistics.pstdev(window)
    assert (lower, mid, upper) == pytest.approx((mid - dev, statistics.fmean(window), mid + dev))
    assert bollinger([5.0] * 4, 2.0) == (5.0, 5.0, 5.0)  # flat window: no NaN from rounding


def test_parameters_are_declared_and_validated() -> None:
    declared = set(SmaCrossover.Params.model_fields)
    assert declared == {"instrument", "fast", "slow", "target_fraction"}
    with pytest.raises(ConfigError, match="fast"):
        SmaCrossover({"fast": 30, "slow": 10})
    with pytest.raises(ConfigError, match="unknown parameter"):
        BollingerReversion({"nope": 1})
    with pytest.raises(ConfigError, match="top_k"):
        MomentumRotation({"top_k": 0})


def test_unknown_instrument_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'ZZZ'"):
        runner_for(SmaCrossover({"instrument": "ZZZ"}), closes_series("A", [1.0, 2.0]))
    with pytest.raises(ConfigError, match="ZZZ"):
        runner_for(MomentumRotation({"instruments": ["ZZZ"]}), closes_series("A", [1.0, 2.0]))


def test_sma_crossover_buys_on_the_cross_up_and_sells_on_the_cross_down() -> None:
    closes = [10.0, 10.0, 10.0, 9.0, 8.0, 12.0, 13.0, 9.0, 7.0, 7.0]
    runner, router = runner_for(SmaCrossover({"fast": 2, "slow": 3}), closes_series("A", closes))
    sent_at: list[int] = []
    for k, ts in enumerate(runner.timeline):
        before = len(router.sent)
        runner.step(ts)
        if len(router.sent) > before:
            sent_at.append(k)
            order_id, request = router.sent[-1]
            runner.filled(order_id, request.quantity, closes[k], ts)  # fill at this close
    # fast(2) - slow(3) is negative from k=3; k=5: 10.0 vs 9.67 -> cross up;
    # k=7: 11.0 vs 11.33 -> cross down.
    assert sent_at == [5, 7]
    buy, sell = (request for _, request in router.sent)
    assert (buy.side, buy.order_type) == (OrderSide.BUY, OrderType.MARKET)
    assert buy.quantity == math.floor(100_000 * 0.95 / 12.0)
    assert (sell.side, sell.quantity) == (OrderSide.SELL, buy.quantity)


def test_bollinger_does_not_enter_while_close_stays_above_the_lower_band() -> None:
    closes = [10.0, 10.0, 10.0, 10.0, 6.0, 6.0, 6.0, 6.0, 5.0, 5.0]
    runner, router = runner_for(BollingerReversion({"period": 4}), closes_series("A", closes))
    for ts in runner.timeline:
        runner.step(ts)
    # k=4: [10,10,10,6] mid 9, std sqrt(3) -> lower 5.54 < 6; k=8: [6,6,6,5] -> lower 4.88 < 5
    assert router.sent == []


def test_bollinger_order_flow_on_a_crash() -> None:
    params = {"period": 3, "num_std": 1.0, "entry_timeout": 2, "stop_loss": 0.1}
    closes = [10.0, 10.0, 10.0, 7.0, 7.0, 7.0, 4.0, 4.0, 4.0, 12.0, 12.0]
    runner, router = runner_for(BollingerReversion(params), closes_series("A", closes))
    ts = runner.timeline
    for k in range(4):
        runner.step(ts[k])
    # k=3: window [10,10,7]: mid 9, std 1.414 -> lower 7.586 > close 7: limit at 6.93
    ((entry_id, entry),) = router.sent
    assert (entry.order_type, entry.limit_price) == (OrderType.LIMIT, 6.93)
    assert entry.quantity == math.floor(100_000 * 0.95 / 6.93)
    runner.accepted(entry_id, ts[4])
    runner.step(ts[4])
    runner.step(ts[5])  # second bar unfilled: timeout 2 -> cancel
    assert router.canceled == [entry_id]
    runner.canceled(entry_id, ts[5])
    runner.step(ts[6])  # window [7,7,4]: lower 4.586 > 4: new entry at 3.96
    new_id, new_entry = router.sent[-1]
    assert new_entry.limit_price == 3.96
    runner.filled(new_id, new_entry.quantity, 3.96, ts[7])
    runner.step(ts[7])  # long, close 4 < mid 5: stop at 3.96 * 0.9 = 3.564 -> 3.56
    stop_id, stop = router.sent[-1]
    assert (stop.order_type, stop.side, stop.stop_price, stop.quantity) == (
        OrderType.STOP, OrderSide.SELL, 3.56, new_entry.quantity
    )
    runner.step(ts[8])  # close 4 == mid 4: hold
    assert router.sent[-1][0] == stop_id
    runner.step(ts[9])  # close 12 > mid: cancel the stop, sell at market
    assert router.canceled[-1] == stop_id
    _, exit_order = router.sent[-1]
    assert (exit_order.order_type, exit_order.side) == (OrderType.MARKET, OrderSide.SELL)


def test_momentum_rotation_ranks_monthly_sells_first_and_skips_short_histories() -> None:
    start = date(2024, 1, 30)  # steps: Jan 30, Jan 31, Feb 1, Feb 2
    series = [
        closes_series("A", [10.0, 10.0, 11.0, 11.0], start),  # +10%
        closes_series("B", [10.0, 10.0, 13.0, 13.0], start),  # +30%
        closes_series("C", [10.0, 10.0, 12.0, 12.0], start),  # +20%
        closes_series("D", [10.0, 10.0, 9.0, 9.0], start),  # -10%
        closes_series("E", [12.0, 12.0], start + timedelta(days=2)),  # too short at Feb 1
    ]
    strategy = MomentumRotation({"lookback": 2, "top_k": 2, "total_fraction": 0.9})
    runner, router = runner_for(strategy, *series)
    ts = runner.timeline
    runner.step(ts[0])  # first month seen, nobody has 3 bars: nothing
    runner.step(ts[1])  # same month: nothing
    assert router.sent == []
    runner.step(ts[2])  # Feb 1: B and C are the top 2 (E not eligible)
    orders = [request for _, request in router.sent]
    assert [(o.instrument_id, o.side) for o in orders] == [("B", "buy"), ("C", "buy")]
    assert orders[0].quantity == math.floor(100_000 * 0.45 / 13.0)
    assert orders[1].quantity == math.floor(100_000 * 0.45 / 12.0)
    runner.step(ts[3])  # same month: nothing more
    assert len(router.sent) == 2


def test_momentum_rotation_sells_before_it_buys() -> None:
    start = date(2024, 1, 29)
    series = [
        closes_series("A", [10.0, 10.0, 10.0, 20.0, 20.0], start),
        closes_series("B", [10.0, 10.0, 10.0, 10.0, 10.0], start),
        closes_series("C", [10.0, 10.0, 10.0, 5.0, 5.0], start),
    ]
    strategy = MomentumRotation({"lookback": 1, "top_k": 1})
    runner, router = runner_for(strategy, *series)
    ts = runner.timeline
    runner.step(ts[0])  # Jan 29: nobody has 2 bars
    runner.step(ts[1])
    runner.step(ts[2])
    # hold C (bought by hand) so the Feb rebalance must sell it before buying A
    order_id = runner.submit(OrderRequest(instrument_id="C", side=OrderSide.BUY, quantity=100))
    runner.filled(order_id, 100, 10.0, ts[2])
    runner.step(ts[3])  # Feb 1 (not the final step, so orders are routed): A is the best
    requests = [request for _, request in router.sent][1:]
    assert [(r.instrument_id, r.side) for r in requests] == [("C", "sell"), ("A", "buy")]
    assert requests[0].quantity == 100
