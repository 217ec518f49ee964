"""A paper session fed as a stream (a feed that never says which bar is the last, as a live
source) gives the replay's result, and survives SIGKILLs like the replay does."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from kill_support import CONFIG, DATA, MARKERS, SETTINGS, killed_child
from random_orders import RandomOrders

from finbot.contracts import DatasetRef, MarketData, RunConfig, StrategySpec
from finbot.data import load_dataset
from finbot.engine_backtrader import BacktraderEngine
from finbot.paper_broker import Journal, PaperSession, PaperSettings, ReplayFeed
from finbot.strategies import GOLDEN_STRATEGIES


class LiveLikeFeed:
    """Hands out recorded bars one step at a time, with no length and no timeline to look at."""

    def __init__(self, data: MarketData) -> None:
        self._replay = ReplayFeed(data)

    def steps(self, after_ns: int | None = None) -> Iterator:
        yield from self._replay.steps(after_ns)


def _streamed(directory, strategy, data, config, settings):
    session = PaperSession.open(
        directory,
        config=config,
        settings=settings,
        strategy=strategy,
        instruments=list(data.instruments.values()),
        feed=LiveLikeFeed(data),
    )
    outcome = session.run()
    session.close()
    return outcome.result


@pytest.mark.parametrize("name", list(GOLDEN_STRATEGIES))
def test_a_streamed_golden_session_equals_backtrader(tmp_path, name):
    data = load_dataset("golden")
    config = RunConfig(
        strategy=StrategySpec(id=name), dataset=DatasetRef(name="golden"), engine="paper"
    )
    strategy = GOLDEN_STRATEGIES[name]
    bt = BacktraderEngine().run(
        config.model_copy(update={"engine": "backtrader"}), strategy(), data
    )
    streamed = _streamed(tmp_path, strategy(), data, config, PaperSettings(fsync=False))
    assert bt.fills and streamed.fills == bt.fills
    assert streamed.equity_curve == bt.equity_curve
    assert streamed.metrics.final_equity == bt.metrics.final_equity


def test_a_streamed_session_killed_anywhere_resumes_to_the_same_result(tmp_path):
    def run(directory):
        return _streamed(
            directory, RandomOrders(7, DATA, actions_per_step=1.5), DATA, CONFIG, SETTINGS
        )

    reference = run(tmp_path / "whole")
    last = Journal(tmp_path / "whole" / "journal.sqlite").last_seq
    for k in sorted(random.Random(5).sample(range(2, last - 1), 8)):
        directory = tmp_path / f"after-{k}"
        killed_child(directory, after_event=k, run=run)
        assert run(directory) == reference, f"killed after event {k}"
        kinds = [e.kind for e in Journal(directory / "journal.sqlite").entries()]
        assert len([x for x in kinds if x not in MARKERS]) == len(
            [
                e
                for e in Journal(tmp_path / "whole" / "journal.sqlite").entries()
                if e.kind not in MARKERS
            ]
        )
