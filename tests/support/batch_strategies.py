"""A strategy that fails on purpose, by parameter, for the batch failure-handling tests.

``mode``: ``ok`` trades normally; ``raise`` raises in ``on_bar``; ``slow`` sleeps on every bar (past
any short timeout); ``stuck`` blocks in one ``time.sleep`` C call of ``stuck_seconds`` while it has
no position (a deadline raised asynchronously in a worker thread waits for the call to return);
``gil`` does the same in a regular expression that backtracks for half a minute holding the GIL
(no other thread of its process runs meanwhile);
``kill_once`` kills its own worker process the first time any run reaches it (a marker file
remembers), so its retry succeeds; ``oom`` raises ``MemoryError``.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Mapping
from pathlib import Path

from finbot.contracts import Bar, Strategy, StrategyContext, StrategyParams

SOURCE = Path(__file__)


class Flaky(Strategy):
    strategy_id = "flaky"

    class Params(StrategyParams):
        mode: str = "ok"
        fraction: float = 0.5
        marker: str = ""
        stuck_seconds: float = 60.0

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        params = self.params
        assert isinstance(params, Flaky.Params)
        if params.mode == "raise":
            raise ValueError("raised on purpose")
        if params.mode == "oom":
            raise MemoryError("no memory on purpose")
        if params.mode == "slow":
            time.sleep(0.05)
        if params.mode == "stuck" and ctx.position(ctx.instrument_ids[0]) == 0:
            time.sleep(params.stuck_seconds)
        if params.mode == "gil" and ctx.position(ctx.instrument_ids[0]) == 0:
            re.match(r"(a+)+$", "a" * 30 + "b")  # about 30 s on this machine
        if params.mode == "kill_once":
            marker = Path(params.marker)
            if not marker.exists():
                marker.write_text("killed once\n")
                os.kill(os.getpid(), signal.SIGKILL)
        iid = ctx.instrument_ids[0]
        if ctx.position(iid) == 0 and not ctx.open_orders(iid):
            ctx.order_target_percent(iid, params.fraction)
