"""Nautilus native mode against Backtrader: a measured difference, fill by fill, never a gate.

With no latency and the golden strategy's modest orders, Nautilus's own bar matching fills a
market order at the submission bar's close, which is Backtrader's ``this_close``: the two agree
to 0 bp. Simulated latency moves fills; the report measures how far (issue 12).
"""

from __future__ import annotations

from finbot.app import load_data, make_config
from finbot.contracts import NativeExecution
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusNativeEngine
from finbot.parity import fill_differences
from finbot.strategies import SmaCrossover


def _runs(latency_ms: float):
    config = make_config(strategy="sma_crossover", fill_policy="this_close")
    data = load_data(config.dataset)
    baseline = BacktraderEngine().run(config, SmaCrossover(config.strategy.params), data)
    native = NautilusNativeEngine().run(
        config.model_copy(
            update={"engine": "nautilus-native", "native": NativeExecution(latency_ms=latency_ms)}
        ),
        SmaCrossover(config.strategy.params),
        data,
    )
    return baseline, native


def test_without_latency_native_fills_equal_backtrader_this_close():
    baseline, native = _runs(0.0)
    report = fill_differences(baseline, native)
    assert len(report.matched) == len(baseline.fills) > 0
    assert (report.only_left, report.only_right, report.max_abs_price_bp) == (0, 0, 0.0)
    assert native.metrics.final_equity == baseline.metrics.final_equity


def test_latency_moves_fills_and_the_report_measures_it():
    baseline, native = _runs(100.0)
    report = fill_differences(baseline, native)
    moved = [d for d in report.matched if d.price_bp]
    assert moved, "100 ms of latency moved no fill"
    # Every moved fill is a whole bar later: the order reached Nautilus after its bar closed.
    assert all(d.delay_ns and d.delay_ns > 0 for d in moved)
    assert report.max_abs_price_bp >= report.mean_abs_price_bp > 0
    assert native.metrics.final_equity != baseline.metrics.final_equity
