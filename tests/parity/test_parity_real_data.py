"""The parity gate on real data: golden strategies 1 and 2 on the ORCL, NVDA and YHOO daily files
agree exactly on Backtrader and NautilusTrader, under both fill policies, through ``run_parity``.

The files live beside the checkout (``../shared/data/backtrader-samples``) or under
``$FINBOT_SHARED_DATA/backtrader-samples``; without them the test skips and says where it looked.
"""

from __future__ import annotations

import pytest
from engine_availability import require_engine
from sample_data import require_sample

from finbot.cli import load_data, make_config, run_parity
from finbot.contracts import FillPolicy
from finbot.parity import EXACT

FILES = ("orcl-1995-2014.txt", "nvda-1999-2014.txt", "yhoo-1996-2014.txt")
STRATEGIES = ("sma_crossover", "bollinger_reversion")
# A broker-like cost model, so commission arithmetic and cent rounding are in the comparison.
COSTS = {"commission_bps": 5.0, "commission_per_share": 0.005}


@pytest.fixture(scope="module")
def nautilus_built() -> None:
    require_engine("nautilus")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("name", FILES)
def test_engines_agree_exactly_on_real_daily_data(
    nautilus_built: None, name: str, strategy: str
) -> None:
    path = require_sample(name)
    base = make_config(strategy=strategy, data=[path], **COSTS)
    data = load_data(base.dataset)
    for policy in FillPolicy:
        config = base.model_copy(update={"fill_policy": policy})
        run = run_parity(config, ["backtrader", "nautilus"], tolerance=EXACT, data=data)
        (report,) = run.reports
        assert report.ok, f"{name} {strategy} {policy.value}: {report.breaches}"
        backtrader, nautilus = run.results
        assert (backtrader.engine.name, nautilus.engine.name) == ("backtrader", "nautilus")
        # A comparison of two empty runs would prove nothing: these years trade a lot.
        assert report.fill_counts[0] == report.fill_counts[1] >= 100
        assert backtrader.metrics.total_commission > 0
        assert report.final_equity_gap_bp == 0.0 and report.max_daily_equity_gap_bp == 0.0
