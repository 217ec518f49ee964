"""What the kill-anywhere tests share: the case (data, config, settings) and the forked kill."""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from pathlib import Path

from random_orders import RandomOrders

from finbot.contracts import BacktestResult, CostModel, DatasetRef, RunConfig, StrategySpec
from finbot.data import synthetic_daily
from finbot.paper_broker import Journal, PaperSession, PaperSettings, RiskLimits
from finbot.paper_broker import _checkpoint as checkpoint_module

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


def session_for(directory: Path) -> PaperSession:
    # with IOC/FOK and modifies (ADR 0020): their events are journaled and replayed too
    strategy = RandomOrders(7, DATA, actions_per_step=1.5, order_kinds=True)
    return PaperSession.open(
        directory, config=CONFIG, settings=SETTINGS, strategy=strategy, data=DATA
    )


def run_replay(directory: Path) -> BacktestResult:
    session = session_for(directory)
    outcome = session.run()
    session.close()
    assert outcome.result is not None
    return outcome.result


def journaled_events(directory: Path) -> list[tuple]:
    journal = Journal(directory / "journal.sqlite")
    found = [
        (e.kind, e.order_id, e.ts_ns, dict(e.payload))
        for e in journal.entries()
        if e.kind not in MARKERS
    ]
    journal.close()
    return found


def killed_child(
    directory: Path,
    *,
    after_event: int | None = None,
    in_checkpoint: int | None = None,
    run: Callable[[Path], object] | None = None,
) -> None:
    """Run the session (``run``, default ``run_replay``) in a forked child that SIGKILLs itself."""
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
            (run or run_replay)(directory)
        except BaseException:
            traceback.print_exc()
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"the child was to be killed (after event {after_event}, checkpoint {in_checkpoint}) "
        f"but exited with status {status}"
    )
