"""The Python API behind ``finbot backtest``: build a run config, run it, get the result.

Notebooks call these directly; the CLI is a thin layer over them. Engines and pandas are imported
only when a run or a conversion needs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue, ValidationError

from finbot.contracts import (
    BacktestEngine,
    BacktestResult,
    ConfigError,
    DatasetRef,
    FillPolicy,
    MarketData,
    RunConfig,
    StrategySpec,
)

from . import _wiring
from ._strategy_loader import load_strategy

if TYPE_CHECKING:
    import pandas as pd


def make_config(
    *,
    strategy: str | None = None,
    params: Mapping[str, JsonValue] | None = None,
    data: Sequence[str | Path] = (),
    dataset: str | None = None,
    start: date | None = None,
    end: date | None = None,
    cash: float = 100_000.0,
    commission_bps: float = 0.0,
    commission_per_share: float = 0.0,
    slippage_bps: float = 0.0,
    fill_policy: FillPolicy | str = FillPolicy.NEXT_OPEN,
    engine: str | None = None,
    seed: int = 0,
) -> RunConfig:
    """Build a validated ``RunConfig`` from plain values, with finbot's defaults.

    Args:
        strategy: Golden name, ``file.py:Class`` or ``module:Class``; default golden strategy 1.
        params: Strategy parameters (validated against the strategy when the run starts).
        data: CSV/Parquet files; when empty the embedded ``dataset`` is used.
        dataset: Embedded dataset name; default ``finbot.data.DEFAULT_DATASET``.
        start: First session included (UTC date).
        end: Last session included (UTC date).
        cash: Starting cash in the account currency.
        commission_bps: Commission in basis points of notional.
        commission_per_share: Commission in currency per unit.
        slippage_bps: Slippage in basis points of price.
        fill_policy: ``next_open`` or ``this_close``.
        engine: Engine id; default ``backtrader``.
        seed: Seed for any randomness in the run.

    Raises:
        ConfigError: A value is invalid (e.g. end before start, negative commission); the message
            names the field.
    """
    paths = tuple(str(p) for p in data)
    if paths:
        ref = {"name": dataset or "+".join(Path(p).stem for p in paths), "paths": paths}
    else:
        ref = {"name": dataset or _wiring.default_dataset()}
    payload: dict[str, Any] = {
        "strategy": {"id": strategy or _wiring.DEFAULT_STRATEGY, "params": dict(params or {})},
        "dataset": ref,
        "start": start,
        "end": end,
        "starting_cash": cash,
        "cost_model": {
            "commission_bps": commission_bps,
            "commission_per_share": commission_per_share,
            "slippage_bps": slippage_bps,
        },
        "fill_policy": fill_policy,
        "engine": engine or _wiring.DEFAULT_ENGINE,
        "seed": seed,
    }
    try:
        return RunConfig.model_validate(payload)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from exc


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the config field, without pydantic's URLs."""
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{field}: {message}" if field else message)
    return f"invalid run configuration: {'; '.join(problems)}"


def load_data(ref: DatasetRef) -> MarketData:
    """Load and validate the market data a ``DatasetRef`` names (embedded dataset or files).

    Raises:
        ConfigError: A data file does not exist.
        DataValidationError: The data breaks a rule; names the file, row and field.
    """
    for path in ref.paths:
        if not Path(path).is_file():
            raise ConfigError(f"data file not found: {path}")
    return _wiring.load_market_data(ref)


def run_backtest(
    config: RunConfig,
    *,
    data: MarketData | None = None,
    engine: BacktestEngine | None = None,
    verbose: bool = False,
) -> BacktestResult:
    """Run one backtest and return its result.

    The config stored in the result is the resolved one: the strategy's full validated parameters
    (defaults included) and the dataset's ``snapshot_id``, so equal runs have equal config hashes.

    Args:
        config: What to run.
        data: Market data to use instead of loading ``config.dataset`` (still cut to start/end).
        engine: An engine instance to use instead of building ``config.engine``; its ``name`` must
            equal ``config.engine``.
        verbose: Let the engine log (where it supports that).

    Raises:
        StrategyLoadError: The strategy reference cannot be resolved.
        ConfigError: Bad parameters, unknown or missing engine, no data in the date range, or data
            that differs from the pinned ``config.dataset.snapshot_id``.
        DataValidationError: The data files break a rule.
        EngineRunError: The engine run failed.
    """
    strategy_cls = load_strategy(config.strategy.id)
    params = strategy_cls.make_params(config.strategy.params)
    if engine is None:
        _wiring.check_engine_name(config.engine)
    elif engine.name != config.engine:
        raise ConfigError(
            f"engine '{engine.name}' was passed but the config names engine '{config.engine}'"
        )
    market = data if data is not None else load_data(config.dataset)
    snapshot_id = market.snapshot_id()
    pinned = config.dataset.snapshot_id
    if pinned is not None and pinned != snapshot_id:
        raise ConfigError(
            f"dataset '{config.dataset.name}' has snapshot {snapshot_id}, "
            f"but the config pins {pinned}: the data changed"
        )
    window = market if config.start is None and config.end is None else market.between(
        config.start, config.end
    )
    if window.bar_count == 0:
        raise ConfigError(
            f"dataset '{config.dataset.name}' has no bars between "
            f"{config.start or 'its start'} and {config.end or 'its end'}"
        )
    resolved = config.model_copy(
        update={
            "strategy": StrategySpec(id=config.strategy.id, params=params.model_dump(mode="json")),
            "dataset": config.dataset.model_copy(update={"snapshot_id": snapshot_id}),
        }
    )
    if engine is None:
        # Built last: importing an engine is the slow part, so cheaper input errors come first.
        engine = _wiring.make_engine(config.engine, verbose=verbose)
    return engine.run(resolved, strategy_cls(params), window)


def result_frames(result: BacktestResult) -> Mapping[str, pd.DataFrame]:
    """The result as pandas DataFrames (equity curve, orders, fills, trades, positions)."""
    return _wiring.result_frames(result)


def write_result(result: BacktestResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the result as JSON and Parquet files under ``out_dir`` (via ``finbot.data``).

    Returns:
        File name (``result.json``, ``fills``, ...) -> path of each file written.
    """
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return _wiring.write_result_files(result, str(out_dir))
