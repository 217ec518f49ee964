"""finbot-registry: the experiment registry and reproducibility.

Immutable, hash-sealed and hash-chained run records on SQLite (default, WAL) or PostgreSQL;
content-addressed artifacts; data snapshots pinned once per dataset (zstd Parquet); reruns that
check the result hash. No CLI or engine imports.
"""

from ._batches import BatchListing, BatchRecord, BatchRow, BatchStore
from ._chain import ENV_KEY
from ._compare import Comparison, compare_runs
from ._environment import Environment, capture_environment
from ._errors import (
    RegistryError,
    RegistryIntegrityError,
    RegistryNotFoundError,
    RunNotFoundError,
    RunStateError,
)
from ._export import write_csv, write_jsonl
from ._identity import StrategyIdentity, strategy_identity
from ._record import RunRecord, RunStatus
from ._registry import DEFAULT_LOCATION, ENV_LOCATION, Registry, record_run
from ._rerun import EngineFactory, RerunReport, StrategyLoader
from ._rows import RESULT_ARTIFACT
from ._schema import SCHEMA_VERSION
from ._snapshot_codec import decode_snapshot, encode_snapshot
from ._verify import ListedRun, VerificationReport

__all__ = [
    # the registry
    "DEFAULT_LOCATION",
    "ENV_KEY",
    "ENV_LOCATION",
    "RESULT_ARTIFACT",
    "SCHEMA_VERSION",
    "Registry",
    "record_run",
    # batches of runs
    "BatchListing",
    "BatchRecord",
    "BatchRow",
    "BatchStore",
    # records
    "Environment",
    "RunRecord",
    "RunStatus",
    "StrategyIdentity",
    "capture_environment",
    "strategy_identity",
    # verification
    "ListedRun",
    "VerificationReport",
    # rerun, compare, export
    "Comparison",
    "EngineFactory",
    "RerunReport",
    "StrategyLoader",
    "compare_runs",
    "write_csv",
    "write_jsonl",
    # snapshots
    "decode_snapshot",
    "encode_snapshot",
    # errors
    "RegistryError",
    "RegistryIntegrityError",
    "RegistryNotFoundError",
    "RunNotFoundError",
    "RunStateError",
]
