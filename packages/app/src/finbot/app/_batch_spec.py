"""What a batch runs: the ``BatchSpec`` a TOML batch file or ``finbot sweep``'s options describe.

Parsing collects every problem pydantic finds at once; ``check_batch`` then resolves the strategy,
validates every grid combination, checks engines and metric, and loads each dataset once, again
collecting every problem, so a bad batch is refused before any run starts.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
)

from finbot.contracts import (
    AccountModel,
    ConfigError,
    FillPolicy,
    Metrics,
    NativeExecution,
    PriceMode,
    describe_validation_problem,
)

from ._grid import MAX_RUNS, grid_size, parse_values

_FROZEN = ConfigDict(frozen=True, extra="forbid")

METRICS: tuple[str, ...] = tuple(
    name for name, field in Metrics.model_fields.items() if field.annotation is not int
)


class BatchSpecError(ConfigError):
    """A batch spec is invalid; ``problems`` lists every bad field, one line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{listing}")


class DatasetSpec(BaseModel):
    """An embedded dataset by name, or CSV/Parquet files (``name`` then labels them).

    ``start``/``end`` give this dataset its own window instead of the batch's (datasets that
    cover different years can then share a batch or a walk-forward).
    """

    model_config = _FROZEN

    name: str | None = None
    paths: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def window(self, start: date | None, end: date | None) -> tuple[date | None, date | None]:
        """This dataset's first and last session: its own where given, else the batch's."""
        return self.start or start, self.end or end


class ExecutionSpec(BaseModel):
    """How a batch runs: executor, parallelism, per-run timeout, retries and task size."""

    model_config = _FROZEN

    executor: Literal["local", "dask", "serial"] = "local"
    workers: PositiveInt | None = Field(default=None, description="default: the machine's cores")
    scheduler: str | None = Field(default=None, description="tcp://host:8786 of a Dask cluster")
    dask_local: PositiveInt | None = Field(default=None, description="start a LocalCluster of N")
    timeout_seconds: PositiveFloat | None = None
    retries: NonNegativeInt = 2
    backoff_seconds: NonNegativeFloat = 0.5
    task_seconds: PositiveFloat = Field(default=1.0, description="target duration of one task")
    restart_stuck_workers: bool = Field(
        default=False,
        description="an existing Dask cluster: restart the worker of a run past its hard limit",
    )


class WalkForwardSpec(BaseModel):
    """Walk-forward windows, counted in sessions of the dataset."""

    model_config = _FROZEN

    folds: PositiveInt = 4
    train_sessions: PositiveInt | None = None
    test_sessions: PositiveInt | None = None
    anchored: bool = False
    purge_sessions: NonNegativeInt = 0
    embargo_sessions: NonNegativeInt = 0
    # Sessions before each test window the out-of-sample run starts on, so the winner's
    # indicators have their history (ADR 0031); None: the strategy's warmup_bars() under the
    # winner's parameters; 0: the run starts cold on the test window's first session.
    warmup_sessions: NonNegativeInt | None = None


class BatchSpec(BaseModel):
    """A grid of runs: one strategy, datasets x engines x parameter combinations."""

    model_config = _FROZEN

    name: str | None = None
    tags: tuple[str, ...] = Field(default=(), description="registry tags of every run")
    strategy: str | None = None
    params: dict[str, JsonValue] = Field(default_factory=dict, description="fixed for every run")
    grid: dict[str, list[JsonValue]] = Field(default_factory=dict)
    datasets: tuple[DatasetSpec, ...] = ()
    engines: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    cash: PositiveFloat = 100_000.0
    commission_bps: NonNegativeFloat = 0.0
    commission_per_share: NonNegativeFloat = 0.0
    slippage_bps: NonNegativeFloat = 0.0
    fill_policy: FillPolicy = FillPolicy.NEXT_OPEN
    prices: PriceMode = Field(default=PriceMode.TOTAL_RETURN, description="price mode (ADR 0023)")
    seed: NonNegativeInt = 0
    native: NativeExecution | None = Field(
        default=None, description="native execution settings of the native engine (ADR 0025)"
    )
    account: AccountModel = Field(
        default_factory=AccountModel, description="cash or margin account, financing (ADR 0022)"
    )
    metric: str = "sharpe"
    execution: ExecutionSpec = Field(default_factory=ExecutionSpec)
    walk_forward: WalkForwardSpec | None = None

    @field_validator("grid", mode="before")
    @classmethod
    def _expand_ranges(cls, value: Any) -> Any:
        # In TOML a parameter's values are a list, or a string such as "5:20:5" or "5,10,20".
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, values in value.items():
            if isinstance(values, str):
                values = parse_values(values, f"{key}={values}")
            elif not isinstance(values, list):
                values = [values]
            if not values:
                raise ValueError(f"parameter '{key}' has no values")
            out[key] = values
        return out

    @field_validator("tags")
    @classmethod
    def _no_blank_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        tags = tuple(t.strip() for t in value)
        if not all(tags):
            raise ValueError("a tag may not be blank")
        return tags

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric '{value}'; choose one of {', '.join(METRICS)}")
        return value

    @property
    def run_count(self) -> int:
        """Runs in the batch: datasets x engines x grid combinations."""
        return max(1, len(self.datasets)) * max(1, len(self.engines)) * grid_size(self.grid)


def parse_batch(payload: dict[str, Any], *, source: str = "batch") -> BatchSpec:
    """Validate a batch payload (as read from TOML); every problem is reported at once.

    Raises:
        BatchSpecError: One line per bad field, named by its dotted path.
    """
    try:
        spec = BatchSpec.model_validate(payload)
    except ValidationError as exc:
        problems = [describe_validation_problem(e) for e in exc.errors()]
        raise BatchSpecError(source, problems) from exc
    if spec.run_count > MAX_RUNS:
        raise BatchSpecError(source, [f"the batch has {spec.run_count} runs, more than {MAX_RUNS}"])
    return spec


def read_batch_file(path: str | Path) -> dict[str, Any]:
    """The payload of a TOML batch file, not yet validated.

    Raises:
        ConfigError: The file is missing or is not TOML (with the line).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"batch file not found: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"batch file {path} is not valid TOML: {exc}") from exc


def load_batch_file(path: str | Path) -> BatchSpec:
    """Read and validate a TOML batch file.

    Raises:
        ConfigError: The file is missing or is not TOML (with the line).
        BatchSpecError: Fields are invalid; every one is listed.
    """
    return parse_batch(read_batch_file(path), source=f"batch file {path}")


def valid_part(payload: dict[str, Any], exc: ValidationError) -> dict[str, Any]:
    """``payload`` without the top-level fields ``exc`` found invalid (their defaults apply)."""
    bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    return {k: v for k, v in payload.items() if k not in bad}
