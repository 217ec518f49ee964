"""A/B: golden strategy 1 through Nautilus native mode equals it written natively for Nautilus.

The native side (``benchmarks/native_nautilus.py``, also the benchmark's baseline of native mode)
uses no finbot code: bars only, its own SMA logic, sizing and float ledger, a margin venue with the
risk engine on. Compared: every fill (side, quantity, price, the bar that filled it) and the final
equity. Proves the native adapter adds nothing to what Nautilus itself decides.
"""

from __future__ import annotations

import pytest
from native_nautilus import run

from finbot.contracts import CostModel, DatasetRef, MarketData, RunConfig, StrategySpec
from finbot.data import load_dataset
from finbot.engine_nautilus import NautilusNativeEngine
from finbot.strategies import SmaCrossover


@pytest.mark.parametrize(("fast", "slow", "bps"), [(10, 30, 0.0), (5, 20, 10.0)])
def test_native_mode_equals_a_native_nautilus_strategy(fast, slow, bps):
    golden = load_dataset("golden")
    iid = golden.instrument_ids[0]
    series = golden.bars(iid)
    data = MarketData([golden.instruments[iid]], [series], name="golden-first")
    params = {"fast": fast, "slow": slow, "target_fraction": 0.95}
    config = RunConfig(
        strategy=StrategySpec(id="sma_crossover", params=params),
        dataset=DatasetRef(name="golden-first"),
        cost_model=CostModel(commission_bps=bps),
        engine="nautilus-native",
    )
    result = NautilusNativeEngine().run(config, SmaCrossover(params), data)
    index = {ts: i for i, ts in enumerate(series.ts_ns)}
    ours = [(f.side.value, f.quantity, f.price, index[f.ts_ns]) for f in result.fills]

    columns = (series.open, series.high, series.low, series.close, series.volume)
    theirs = run(
        iid,
        tuple(series.ts_ns),
        columns,
        cash=config.starting_cash,
        commission_bps=bps,
        price_precision=2,
        fast=fast,
        slow=slow,
        target_fraction=0.95,
    )
    assert len(ours) > 10
    assert ours == list(theirs.fills)
    assert result.metrics.final_equity == pytest.approx(theirs.final_equity, abs=1e-6)
