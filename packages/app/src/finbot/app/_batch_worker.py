"""What runs inside a batch worker (a local process or a Dask worker): a bundle of runs.

Each dataset reaches a worker once (inherited by a forked process, else pickled once) and is
installed there (``install_datasets``); tasks carry only configs. Each run's failure is caught
and classified here, so one bad run never takes its bundle down; only the loss of the worker
itself does, and the batch sees that from outside.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from finbot.contracts import (
    BacktestResult,
    ConfigError,
    DataValidationError,
    EngineRunError,
    MarketData,
    RunConfig,
    StrategyLoadError,
)

from ._backtest import prepare_run, run_prepared
from ._failures import strategy_frame
from ._strategy_loader import load_strategy
from ._taxonomy import FailureKind, is_serialization_error
from ._timeout import RunTimeoutError


@dataclass(frozen=True, slots=True)
class RunTask:
    """One run as shipped to a worker: its place in the batch, its key and its resolved config."""

    index: int
    key: str
    config: RunConfig


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What became of one run in a worker: a result, or a classified failure."""

    index: int
    key: str
    started: datetime
    seconds: float
    result: BacktestResult | None = None
    failure: FailureKind | None = None
    error: str | None = None


Datasets = Mapping[str, MarketData]

_INSTALLED: dict[str, MarketData] = {}


def install_datasets(data: Datasets) -> None:
    """Make the batch's datasets (snapshot id -> data) available to ``run_bundle`` here."""
    _INSTALLED.update(data)


def forget_datasets(snapshot_ids: Iterable[str]) -> None:
    """Drop datasets ``install_datasets`` made available (a long-lived worker between batches)."""
    for sid in snapshot_ids:
        _INSTALLED.pop(sid, None)


def start_worker(data: Datasets) -> None:
    """Initializer of a local pool's worker process: freeze what it inherited, install the data.

    A forked worker shares its parent's memory copy-on-write. Freezing moves every inherited
    object out of the collector's reach, so the worker's collections never walk (and copy) the
    parent's heap (what the ``gc`` docs advise for fork without exec). The gain on the sweep
    benchmark is small (ADR 0024). Objects the worker creates are collected as usual.
    """
    gc.freeze()
    install_datasets(data)


def classify(exc: BaseException, config: RunConfig | None = None) -> FailureKind:
    """The failure kind of an exception that ended a run (in the worker or seen from outside)."""
    cause = exc.__cause__ if isinstance(exc, EngineRunError) else exc
    if isinstance(exc, RunTimeoutError) or isinstance(cause, RunTimeoutError | TimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(cause, MemoryError):
        return FailureKind.OUT_OF_MEMORY
    if isinstance(exc, DataValidationError):
        return FailureKind.BAD_DATA
    if isinstance(exc, StrategyLoadError | ValidationError):
        return FailureKind.BAD_PARAMS
    if isinstance(exc, ConfigError):
        return FailureKind.BAD_DATA
    if is_serialization_error(exc):
        return FailureKind.SERIALIZATION
    if isinstance(exc, EngineRunError) and config is not None and cause is not None:
        try:
            cls = load_strategy(config.strategy.id)
        except StrategyLoadError:
            return FailureKind.ENGINE_ERROR
        if strategy_frame(cause, cls) is not None:
            return FailureKind.STRATEGY_EXCEPTION
    return FailureKind.ENGINE_ERROR


def _run_one(task: RunTask, market: MarketData, timeout: float | None) -> RunOutcome:
    started = datetime.now(UTC)
    began = time.perf_counter()
    config = task.config
    try:
        try:
            cls = load_strategy(config.strategy.id)
            cls.make_params(config.strategy.params)
        except (StrategyLoadError, ValidationError, ConfigError) as exc:
            return RunOutcome(task.index, task.key, started, time.perf_counter() - began,
                              failure=FailureKind.BAD_PARAMS, error=str(exc))
        prepared = prepare_run(config, data=market)
        result = run_prepared(prepared, timeout_seconds=timeout)
    except (Exception, MemoryError) as exc:
        kind = classify(exc, config)
        message = str(exc) or type(exc).__name__
        if kind is FailureKind.TIMEOUT:
            message = f"run took longer than its {timeout:g} s timeout"
        return RunOutcome(task.index, task.key, started, time.perf_counter() - began,
                          failure=kind, error=message)
    return RunOutcome(task.index, task.key, started, time.perf_counter() - began, result=result)


def run_bundle(
    tasks: Sequence[RunTask], data: Datasets | None, timeout: float | None
) -> list[RunOutcome]:
    """Run each task on its pinned dataset; every run yields an outcome, failed or not.

    ``data`` maps snapshot ids to datasets; None means those ``install_datasets`` installed.
    """
    found = _INSTALLED if data is None else data
    outcomes = []
    for task in tasks:
        snapshot = task.config.dataset.snapshot_id
        assert snapshot is not None, "batch runs carry resolved configs"
        outcomes.append(_run_one(task, found[snapshot], timeout))
    return outcomes
