"""What a batch runs on a Dask worker: the datasets plugin (every worker, later ones too), tasks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from distributed import WorkerPlugin, get_worker

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
    """Run a bundle on this worker, first telling the batch it started (its hard limit counts).

    The event leaves through the worker's event loop before the runs get going (loading the
    strategy and preparing a run take milliseconds of Python), so the batch learns the start even
    of a run that then blocks in C code for good.
    """
    worker = get_worker()
    worker.log_event(
        topic, {"key": worker.get_current_task(), "worker": worker.address, "pid": os.getpid()}
    )
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
