from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from finbot_fakes import FakeEngine

from finbot.contracts import (
    BacktestResult,
    BarSeries,
    CostModel,
    DatasetRef,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategySpec,
    to_ns,
)
from finbot.parity import EXACT, compare_results, fill_differences

CLOSES = [10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 10.0, 11.0, 12.0, 13.0]


class _BuyThenSell(Strategy):
    strategy_id = "buy_then_sell"

    def on_bar(self, ctx, bars):  # type: ignore[no-untyped-def]
        if ctx.bar_count("AAA") == 2:
            ctx.buy("AAA", 100)
        if ctx.bar_count("AAA") == 6:
            ctx.close_position("AAA")


def _run(engine: str, price_nudge: float = 0.0) -> BacktestResult:
    days = [to_ns(date(2024, 1, d)) for d in range(1, 11)]
    series = BarSeries.from_columns(
        "AAA", days, CLOSES, [c + 1 for c in CLOSES], [c - 1 for c in CLOSES], CLOSES, [1e3] * 10
    )
    data = MarketData([Instrument(id="AAA")], [series])
    config = RunConfig(
        strategy=StrategySpec(id="buy_then_sell"),
        dataset=DatasetRef(name="unit"),
        cost_model=CostModel(commission_bps=10),
        engine=engine,
    )
    # The shared simulated-broker fake (market orders fill at the next open), nudged on price.
    skew = (lambda p: p + price_nudge) if price_nudge else None
    return FakeEngine(engine, adapter="unit", price=skew).run(config, _BuyThenSell(), data)


def test_identical_runs_agree_exactly() -> None:
    report = compare_results(_run("a"), _run("b"), EXACT)
    assert report.ok, report.breaches
    assert report.fill_counts == (2, 2)
    assert report.order_counts == (2, 2)
    assert report.final_equity_gap_bp == 0.0
    assert report.first_fill_divergence is None
    assert all(m.within and m.difference in (0.0, None) for m in report.metrics)


def test_price_noise_within_tolerance_passes_but_fails_exact() -> None:
    left, right = _run("a"), _run("b", price_nudge=1e-12)
    assert compare_results(left, right).ok
    exact = compare_results(left, right, EXACT)
    assert not exact.ok
    assert exact.first_fill_divergence is not None
    assert exact.first_fill_divergence.field == "price"
    assert exact.first_fill_divergence.index == 0


def test_price_difference_names_first_diverging_fill_and_equity_gap() -> None:
    left, right = _run("a"), _run("b", price_nudge=0.01)
    report = compare_results(left, right)
    assert not report.ok
    div = report.first_fill_divergence
    assert div is not None and div.field == "price" and div.index == 0
    assert div.left is not None and div.right is not None
    assert div.left["price"] == 12.0 and div.right["price"] == pytest.approx(12.01)
    # 100 shares 1 cent dearer on entry (day 3) and 1 cent richer on exit (day 7): equity is $1
    # lower on days 3-6, largest relative to equity on day 6, the lowest close. Commissions round
    # to the same cents (1.20 and 1.00), so the final equity is identical.
    assert report.max_daily_equity_gap_session == "2024-01-06"
    day6_equity = left.equity_curve.equity[5]
    assert report.max_daily_equity_gap_bp == pytest.approx(1.0 / day6_equity * 1e4)
    assert report.final_equity_gap_bp == 0.0
    assert any("fill sequences differ at #0 (price)" in b for b in report.breaches)


def test_missing_fill_is_reported() -> None:
    left = _run("a")
    right = left.model_copy(update={"fills": left.fills[:1], "engine": replace_engine(left, "b")})
    report = compare_results(left, right)
    assert report.first_fill_divergence is not None
    assert report.first_fill_divergence.field == "missing"
    assert report.first_fill_divergence.right is None
    assert report.fill_counts == (2, 1)


def test_different_configs_are_a_breach() -> None:
    left = _run("a")
    other_cfg = left.config.model_copy(update={"starting_cash": 5.0})
    right = left.model_copy(update={"config": other_cfg})
    assert "different run configs" in " ".join(compare_results(left, right).breaches)


def test_a_native_engines_own_settings_are_no_config_difference() -> None:
    from finbot.contracts import NativeExecution

    left = _run("a")
    native = NativeExecution(latency_ms=10.0)
    other_cfg = left.config.model_copy(update={"engine": "nautilus-native", "native": native})
    right = left.model_copy(update={"config": other_cfg})
    assert compare_results(left, right).breaches == ()


def test_report_is_json_ready() -> None:
    import json

    payload = compare_results(_run("a"), _run("b")).to_dict()
    text = json.dumps(payload)
    assert json.loads(text)["ok"] is True
    assert {m["name"] for m in payload["metrics"]} >= {"sharpe", "final_equity", "trade_count"}


def replace_engine(result: BacktestResult, name: str):  # type: ignore[no-untyped-def]
    return result.engine.model_copy(update={"name": name})


def test_fill_dataclass_replace_changes_quantity_detected() -> None:
    left = _run("a")
    fills = (replace(left.fills[0], quantity=99.0), *left.fills[1:])
    right = left.model_copy(update={"fills": fills})
    div = compare_results(left, right).first_fill_divergence
    assert div is not None and div.field == "quantity"


def test_fill_differences_measure_each_fill_in_bp() -> None:
    left, right = _run("backtrader"), _run("nautilus-native", price_nudge=0.1)
    report = fill_differences(left, right)
    assert (report.left_engine, report.right_engine) == ("backtrader", "nautilus-native")
    assert [(d.order_id, d.sequence) for d in report.fills] == [("O-000001", 0), ("O-000002", 0)]
    buy, sell = report.fills
    # Hand-computed: the buy fills at the open of day 3 (12.0), the sell at day 7's (10.0).
    assert buy.price_bp == pytest.approx(0.1 / 12.0 * 10_000)
    assert sell.price_bp == pytest.approx(0.1 / 10.0 * 10_000)
    assert buy.cost_bp == pytest.approx(buy.price_bp)  # a buy paid more
    assert sell.cost_bp == pytest.approx(-sell.price_bp)  # a sell received more
    assert (buy.quantity_difference, buy.delay_ns) == (0.0, 0)
    assert report.max_abs_price_bp == pytest.approx(100.0)
    assert report.mean_abs_price_bp == pytest.approx((0.1 / 12.0 + 0.1 / 10.0) / 2 * 10_000)


def test_fill_differences_count_fills_only_one_engine_made() -> None:
    left = _run("a")
    right = left.model_copy(update={"fills": left.fills[:1]})
    report = fill_differences(left, right)
    assert (len(report.matched), report.only_left, report.only_right) == (1, 1, 0)
    assert report.fills[1].price_bp is None
    assert fill_differences(left, left).max_abs_price_bp == 0.0


def test_fill_differences_never_pair_different_decisions() -> None:
    left = _run("a")
    # The right engine's first order is another decision (a sell submitted on another step).
    first = left.orders[0]
    other = replace(first, submitted_ts_ns=first.submitted_ts_ns + 1)
    right = left.model_copy(update={"orders": (other, *left.orders[1:])})
    report = fill_differences(left, right)
    assert (len(report.matched), report.only_left, report.only_right) == (1, 1, 1)
