"""A Dask worker plugin that installs a batch's datasets on every worker, including later ones."""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

from finbot.contracts import MarketData

from ._batch_worker import forget_datasets, install_datasets, start_worker


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
