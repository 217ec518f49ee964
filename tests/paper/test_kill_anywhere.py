"""Kill-anywhere: a paper session SIGKILLed after any journaled event resumes to the same end.

Each case forks a child that runs the session and SIGKILLs itself right after the journal
commits event ``k`` (or while a checkpoint is half written: temp file done, rename not yet), then
resumes the session in the parent. The final orders, fills, equity curve (the whole result) and
the journal's order and risk events must equal those of an uninterrupted run exactly: nothing
lost, nothing twice. Random order flow with partial fills, rejections, cancels and expiries,
checkpoints every 20 events. ``FINBOT_PAPER_KILL_SEED`` picks other kill points.
"""

from __future__ import annotations

import os
import random

import pytest
from kill_support import journaled_events, killed_child, run_replay

from finbot.contracts import BacktestResult
from finbot.paper_broker import Journal
from finbot.paper_broker import _session as session_module

SEED = int(os.environ.get("FINBOT_PAPER_KILL_SEED", "20261203"))
KILLS_AFTER_EVENTS = 50
KILLS_IN_CHECKPOINTS = 6


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[BacktestResult, list[tuple], int, int]:
    directory = tmp_path_factory.mktemp("uninterrupted")
    # count the checkpoints the uninterrupted run writes: the kill points inside them
    write = session_module.write_checkpoint
    written = []

    def counting(*args, **kwargs):
        written.append(1)
        return write(*args, **kwargs)

    session_module.write_checkpoint = counting
    try:
        result = run_replay(directory)
    finally:
        session_module.write_checkpoint = write
    events = journaled_events(directory)
    journal = Journal(directory / "journal.sqlite")
    last = journal.last_seq
    journal.close()
    return result, events, last, len(written)


def test_the_flow_is_rich_enough_to_mean_something(reference):
    _, events, last, checkpoints = reference
    assert checkpoints > KILLS_IN_CHECKPOINTS
    kinds = {k for k, *_ in events}
    assert {
        "order_new",
        "order_accepted",
        "order_partially_filled",
        "order_filled",
        "order_canceled",
        "order_rejected",
        "order_expired",
        "order_modified",
    } <= kinds
    assert last > 150


def _kill_points(last: int) -> list[int]:
    rng = random.Random(SEED)
    # every event but the final marker can be a kill point; the last events are always in
    return [*sorted(rng.sample(range(1, last - 1), KILLS_AFTER_EVENTS - 1)), last - 1]


def test_killed_after_any_event_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, last, _ = reference
    failures = []
    for k in _kill_points(last):
        directory = tmp_path / f"after-{k}"
        killed_child(directory, after_event=k)
        resumed = run_replay(directory)
        if resumed != result or journaled_events(directory) != events:
            failures.append(k)
    assert not failures, f"seed {SEED}: resume after a kill at events {failures} differs"


def test_killed_while_writing_a_checkpoint_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, _, checkpoints = reference
    rng = random.Random(SEED + 1)
    for n in sorted(rng.sample(range(1, checkpoints + 1), KILLS_IN_CHECKPOINTS)):
        directory = tmp_path / f"checkpoint-{n}"
        killed_child(directory, in_checkpoint=n)
        assert (directory / "checkpoint.pkl.tmp").exists()  # killed between write and rename
        assert run_replay(directory) == result and journaled_events(directory) == events, (
            f"checkpoint {n}"
        )


def test_killed_again_and_again_still_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, last, _ = reference
    rng = random.Random(SEED + 2)
    directory = tmp_path / "chain"
    # the kill points count journal rows, which include one session_resumed marker per resume
    points = sorted(rng.sample(range(2, last), 5))
    for i, k in enumerate(points):
        killed_child(directory, after_event=k + i)
    assert run_replay(directory) == result
    assert journaled_events(directory) == events
