"""A/B: golden strategy 1 through Nautilus native mode equals it written natively for Nautilus.

The native side (ab_native_nautilus.py) uses no finbot code: same bars and venue, its own SMA
logic and sizing. Compared: every fill (side, quantity, price, the bar that filled it) and the
final equity. Proves the native adapter adds nothing to what Nautilus itself decides.
"""

from __future__ import annotations

import pytest
from ab_native_nautilus import run_native

from finbot.contracts import DatasetRef, MarketData, RunConfig, StrategySpec
from finbot.data import load_dataset
from finbot.engine_nautilus import NautilusNativeEngine
from finbot.strategies import SmaCrossover


@pytest.mark.parametrize(("fast", "slow"), [(10, 30), (5, 20)])
def test_native_mode_equals_a_native_nautilus_strategy(fast, slow):
    golden = load_dataset("golden")
    iid = golden.instrument_ids[0]
    series = golden.bars(iid)
    data = MarketData([golden.instruments[iid]], [series], name="golden-first")
    params = {"fast": fast, "slow": slow, "target_fraction": 0.95}
    config = RunConfig(
        strategy=StrategySpec(id="sma_crossover", params=params),
        dataset=DatasetRef(name="golden-first"),
        engine="nautilus-native",
    )
    result = NautilusNativeEngine().run(config, SmaCrossover(params), data)
    index = {ts: i for i, ts in enumerate(series.ts_ns)}
    ours = [(f.side.value, f.quantity, f.price, index[f.ts_ns]) for f in result.fills]

    columns = (series.ts_ns, series.open, series.high, series.low, series.close, series.volume)
    theirs, equity = run_native(
        iid, columns, cash=config.starting_cash, precision=2, fast=fast, slow=slow, fraction=0.95
    )
    assert len(ours) > 10
    assert ours == theirs
    assert result.metrics.final_equity == pytest.approx(equity, abs=1e-6)
