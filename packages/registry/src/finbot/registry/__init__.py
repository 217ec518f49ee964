"""finbot-registry: the experiment registry and reproducibility.

Immutable, hash-sealed run records on SQLite (default, WAL) or PostgreSQL; content-addressed
artifacts; pinned data snapshots; reruns that check the result hash. No CLI or engine imports.
"""

from ._compare import Comparison, compare_runs
from ._environment import Environment, capture_environment
from ._errors import RegistryError, RegistryIntegrityError, RunNotFoundError, RunStateError
from ._export import write_csv, write_jsonl
from ._identity import StrategyIdentity, strategy_identity
from ._record import RunRecord, RunStatus
from ._registry import DEFAULT_LOCATION, ENV_LOCATION, RESULT_ARTIFACT, Registry, record_run
from ._rerun import EngineFactory, RerunReport, StrategyLoader
from ._schema import SCHEMA_VERSION
from ._snapshot_codec import decode_snapshot, encode_snapshot

__all__ = [
    # the registry
    "DEFAULT_LOCATION",
    "ENV_LOCATION",
    "RESULT_ARTIFACT",
    "SCHEMA_VERSION",
    "Registry",
    "record_run",
    # records
    "Environment",
    "RunRecord",
    "RunStatus",
    "StrategyIdentity",
    "capture_environment",
    "strategy_identity",
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
    "RunNotFoundError",
    "RunStateError",
]
