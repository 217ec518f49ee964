"""What runs inside a batch worker (a local process or a Dask worker): a bundle of runs.

Each dataset reaches a worker once, as snapshot bytes, and is decoded once per worker process
(``pinned_data``). Each run's failure is caught and classified here, so one bad run never takes its
bundle down; only the loss of the worker itself does, and the batch sees that from outside.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True, slots=True)
class DatasetBlob:
    """A dataset as shipped to workers: the registry's snapshot bytes plus what they leave out.

    The snapshot holds bars, instruments and corporate actions; the calendar and the known gaps are
    not part of it (nor of the snapshot id) but decide the missing-data check, so they travel too.
    """

    snapshot: bytes
    calendar: str | None
    known_gaps: tuple[tuple[str, tuple[int, ...]], ...]

    @classmethod
    def of(cls, data: MarketData) -> DatasetBlob:
        """The blob of ``data``."""
        from finbot.registry import encode_snapshot

        gaps = tuple(sorted((k, tuple(v)) for k, v in (data.known_gaps or {}).items()))
        return cls(encode_snapshot(data), data.calendar, gaps)

    def decode(self, snapshot_id: str) -> MarketData:
        """The dataset again, equal to the one encoded (calendar and known gaps included)."""
        from finbot.registry import decode_snapshot

        bare = decode_snapshot(self.snapshot, source=f"data snapshot {snapshot_id}")
        return MarketData(
            bare.instruments.values(),
            list(bare),
            bare.corporate_actions,
            name=bare.name,
            calendar=self.calendar,
            known_gaps=dict(self.known_gaps),
        )


Blobs = Mapping[str, DatasetBlob | MarketData]

_PINNED: dict[DatasetBlob, MarketData] = {}
_INSTALLED: dict[str, DatasetBlob | MarketData] = {}
_PINNED_LOCK = threading.Lock()


def install_blobs(blobs: Blobs) -> None:
    """Worker initializer of the local pool: the batch's datasets, shipped once per process."""
    _INSTALLED.update(blobs)


def pinned_data(snapshot_id: str, blobs: Blobs | None = None) -> MarketData:
    """The dataset with ``snapshot_id``, decoded from its blob once per process."""
    blob = (blobs if blobs is not None else _INSTALLED)[snapshot_id]
    if isinstance(blob, MarketData):  # the serial executor passes the data itself
        return blob
    with _PINNED_LOCK:
        found = _PINNED.get(blob)
        if found is None:
            found = _PINNED[blob] = blob.decode(snapshot_id)
        return found


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
    tasks: Sequence[RunTask], blobs: Blobs | None, timeout: float | None
) -> list[RunOutcome]:
    """Run each task on its pinned dataset; every run yields an outcome, failed or not.

    ``blobs`` maps snapshot ids to snapshot bytes; None means those ``install_blobs`` installed.
    """
    outcomes = []
    for task in tasks:
        snapshot = task.config.dataset.snapshot_id
        assert snapshot is not None, "batch runs carry resolved configs"
        outcomes.append(_run_one(task, pinned_data(snapshot, blobs), timeout))
    return outcomes
