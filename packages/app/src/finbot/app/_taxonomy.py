"""Why a batch run failed: the failure taxonomy, which kinds are transient, and the run statuses."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where one run of a batch is."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRIED = "retried"
    SKIPPED = "skipped"  # already succeeded in the registry under the same run key


class FailureKind(StrEnum):
    """What went wrong in a failed run; recorded with each failure."""

    BAD_DATA = "bad_data"
    BAD_PARAMS = "bad_params"
    STRATEGY_EXCEPTION = "strategy_exception"
    ENGINE_ERROR = "engine_error"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    WORKER_LOST = "worker_lost"
    SERIALIZATION = "serialization"


# Backtests are deterministic: the same run with the same data fails the same way again, except
# when the machine rather than the run failed (a worker killed or out of memory because other runs
# shared it). A timeout is deterministic too on an idle machine, so it is not retried: retrying it
# would triple the time a hopeless run costs (ADR 0016).
TRANSIENT: frozenset[FailureKind] = frozenset({FailureKind.WORKER_LOST, FailureKind.OUT_OF_MEMORY})


def is_transient(kind: FailureKind) -> bool:
    """True when a failure of this kind may pass on a retry."""
    return kind in TRANSIENT


def is_serialization_error(exc: BaseException) -> bool:
    """True when ``exc`` says an object could not be pickled or unpickled."""
    import pickle

    if isinstance(exc, pickle.PickleError):
        return True
    text = str(exc).lower()
    return isinstance(exc, TypeError | AttributeError) and ("pickle" in text or "serializ" in text)
