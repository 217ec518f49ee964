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
import signal
import traceback
from pathlib import Path

import pytest
from random_orders import RandomOrders

from finbot.contracts import BacktestResult, CostModel, DatasetRef, RunConfig, StrategySpec
from finbot.data import synthetic_daily
from finbot.paper_broker import Journal, PaperSession, PaperSettings, RiskLimits
from finbot.paper_broker import _checkpoint as checkpoint_module

SEED = int(os.environ.get("FINBOT_PAPER_KILL_SEED", "20261203"))
KILLS_AFTER_EVENTS = 50
KILLS_IN_CHECKPOINTS = 6
DATA = synthetic_daily(n_bars=60, instruments=2, seed=11)
CONFIG = RunConfig(
    strategy=StrategySpec(id="random_orders"),
    dataset=DatasetRef(name="synthetic"),
    engine="paper",
    cost_model=CostModel(commission_bps=5, commission_per_share=0.005, commission_minimum=1.0),
)
# fsync off: a SIGKILL loses nothing the kernel holds, and the test runs on a shared 2-core box
SETTINGS = PaperSettings(
    partial_fills=True,
    volume_share=0.00002,
    checkpoint_every=20,
    fsync=False,
    risk=RiskLimits(
        max_orders_per_window=3, rate_window_seconds=2 * 86_400, max_position_notional=150_000
    ),
)
MARKERS = {"session_started", "session_resumed", "session_finished", "session_stopped"}


def _session(directory: Path) -> PaperSession:
    strategy = RandomOrders(7, DATA, actions_per_step=1.5)
    return PaperSession.open(
        directory, config=CONFIG, settings=SETTINGS, strategy=strategy, data=DATA
    )


def _run(directory: Path) -> BacktestResult:
    session = _session(directory)
    outcome = session.run()
    session.close()
    assert outcome.result is not None
    return outcome.result


def _events(directory: Path) -> list[tuple]:
    journal = Journal(directory / "journal.sqlite")
    found = [
        (e.kind, e.order_id, e.ts_ns, dict(e.payload))
        for e in journal.entries()
        if e.kind not in MARKERS
    ]
    journal.close()
    return found


def _killed_child(
    directory: Path, *, after_event: int | None = None, in_checkpoint: int | None = None
) -> None:
    """Run the session in a forked child that SIGKILLs itself at the chosen point."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            if after_event is not None:
                append = Journal.append

                def append_then_die(self, *args, **kwargs):
                    seq = append(self, *args, **kwargs)
                    if seq == after_event:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return seq

                Journal.append = append_then_die
            if in_checkpoint is not None:
                replace = os.replace
                count = [0]

                def die_before_rename(src, dst):
                    count[0] += 1
                    if count[0] == in_checkpoint:
                        os.kill(os.getpid(), signal.SIGKILL)
                    replace(src, dst)

                checkpoint_module.os.replace = die_before_rename
            _run(directory)
        except BaseException:
            traceback.print_exc()
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"the child was to be killed (after event {after_event}, checkpoint {in_checkpoint}) "
        f"but exited with status {status}"
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[BacktestResult, list[tuple], int]:
    directory = tmp_path_factory.mktemp("uninterrupted")
    result = _run(directory)
    events = _events(directory)
    journal = Journal(directory / "journal.sqlite")
    last = journal.last_seq
    journal.close()
    return result, events, last


def test_the_flow_is_rich_enough_to_mean_something(reference):
    _, events, last = reference
    kinds = {k for k, *_ in events}
    assert {
        "order_new",
        "order_accepted",
        "order_partially_filled",
        "order_filled",
        "order_canceled",
        "order_rejected",
        "order_expired",
    } <= kinds
    assert last > 150


def _kill_points(last: int) -> list[int]:
    rng = random.Random(SEED)
    # every event but the final marker can be a kill point; the last events are always in
    return [*sorted(rng.sample(range(1, last - 1), KILLS_AFTER_EVENTS - 1)), last - 1]


def test_killed_after_any_event_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, last = reference
    failures = []
    for k in _kill_points(last):
        directory = tmp_path / f"after-{k}"
        _killed_child(directory, after_event=k)
        resumed = _run(directory)
        if resumed != result or _events(directory) != events:
            failures.append(k)
    assert not failures, f"seed {SEED}: resume after a kill at events {failures} differs"


def test_killed_while_writing_a_checkpoint_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, last = reference
    rng = random.Random(SEED + 1)
    for n in sorted(rng.sample(range(1, last // SETTINGS.checkpoint_every), KILLS_IN_CHECKPOINTS)):
        directory = tmp_path / f"checkpoint-{n}"
        _killed_child(directory, in_checkpoint=n)
        assert (directory / "checkpoint.pkl.tmp").exists()  # killed between write and rename
        assert _run(directory) == result and _events(directory) == events, f"checkpoint {n}"


def test_killed_again_and_again_still_resumes_to_the_uninterrupted_result(reference, tmp_path):
    result, events, last = reference
    rng = random.Random(SEED + 2)
    directory = tmp_path / "chain"
    # the kill points count journal rows, which include one session_resumed marker per resume
    points = sorted(rng.sample(range(2, last), 5))
    for i, k in enumerate(points):
        _killed_child(directory, after_event=k + i)
    assert _run(directory) == result
    assert _events(directory) == events
