"""What a batch runs on a Dask worker: the datasets plugin (every worker, later ones too), tasks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from distributed import WorkerPlugin, get_worker
from distributed.utils import sync

from finbot.contracts import MarketData

from ._batch_worker import (
    RunOutcome,
    RunTask,
    forget_datasets,
    install_datasets,
    run_bundle,
    start_worker,
)


def run_reported(topic: str, tasks: Sequence[RunTask], timeout: float | None) -> list[RunOutcome]:
    """Run a bundle on this worker once the batch knows it started (its hard limit counts).

    The start is logged on the scheduler by a call that returns only when the scheduler has it
    (about a millisecond), not through the worker's batched stream: a run that then blocks in C
    code holding the GIL stops this worker's event loop, and a report still queued there would
    never leave. The scheduler hands the event on to the batch's client. Without a timeout there
    is no hard limit to count, so no report (a scheduler round trip saved per task).
    """
    if timeout is not None:
        worker = get_worker()
        event = {"key": worker.get_current_task(), "worker": worker.address, "pid": os.getpid()}
        sync(worker.loop, worker.scheduler.log_event, topic=topic, msg=event)
    return run_bundle(tasks, None, timeout)


class DatasetsPlugin(WorkerPlugin):
    """Holds the batch's datasets; the scheduler hands it to each worker as the worker joins.

    Scattered data lives on the workers that hold it: when the only holder dies the scheduler
    cancels every task depending on it ("lost dependencies"), retries included. A plugin is kept
    by the scheduler and set up again on a worker that replaces a dead one, so data is never lost.
    """

    def __init__(self, data: dict[str, MarketData], *, freeze: bool) -> None:
        self.data = data
        self.freeze = freeze

    def setup(self, worker: Any) -> None:
        if self.freeze:
            start_worker(self.data)
        else:
            install_datasets(self.data)

    def teardown(self, worker: Any) -> None:
        forget_datasets(self.data)
