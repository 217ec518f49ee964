"""Turn a ``BatchSpec`` into planned runs, refusing it with every problem listed before any run.

Planning resolves the strategy once, validates every grid combination against its parameters,
checks each engine id, and loads each dataset once (the pinned copy every run of the batch uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import JsonValue, ValidationError

from finbot.contracts import (
    ConfigError,
    DataValidationError,
    MarketData,
    RunConfig,
    Strategy,
    StrategyLoadError,
    describe_validation_problem,
)

from . import _wiring
from ._backtest import data_window, load_data, make_config, resolve_config
from ._batch_spec import BatchSpec, BatchSpecError, DatasetSpec, valid_part
from ._grid import expand
from ._run_key import run_key
from ._strategy_loader import load_strategy

# Past this many distinct parameter problems the rest are counted, not listed.
MAX_LISTED = 12


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One run of a batch: its index, run key, resolved config, and what varies across runs."""

    index: int
    key: str
    config: RunConfig
    params: Mapping[str, JsonValue]
    dataset: str
    tags: tuple[str, ...] = ()  # registry tags of this run besides the batch's (a fold's role)
    # The first session its figures cover (a walk-forward test run after its warm-up bars);
    # None: the whole run. The run itself, its key and its record are the whole window's.
    scored_from: date | None = None

    @property
    def engine(self) -> str:
        """The engine id this run uses."""
        return self.config.engine


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A validated batch: its runs, each dataset loaded once and its window (by snapshot id)."""

    spec: BatchSpec
    strategy_id: str
    strategy_cls: type[Strategy]
    runs: tuple[PlannedRun, ...]
    data: Mapping[str, MarketData]

    windows: Mapping[WindowKey, MarketData]

    def window(self, run: PlannedRun) -> MarketData:
        """The data the run's engine sees: its dataset cut to its start..end."""
        return self.windows[window_key(run.config)]


WindowKey = tuple[str | None, date | None, date | None]


def window_key(config: RunConfig) -> WindowKey:
    """Which window of which dataset snapshot a run sees."""
    return (config.dataset.snapshot_id, config.start, config.end)


def _datasets(
    spec: BatchSpec, problems: list[str]
) -> list[tuple[DatasetSpec, MarketData, MarketData]]:
    loaded = []
    for i, ds in enumerate(spec.datasets or (DatasetSpec(),)):
        where = f"datasets[{i}]" if spec.datasets else "dataset"
        start, end = ds.window(spec.start, spec.end)
        try:
            config = make_config(
                data=ds.paths, dataset=ds.name, start=start, end=end, prices=spec.prices
            )
            market = load_data(config.dataset)
            window = data_window(config, market)
        except (ConfigError, DataValidationError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        loaded.append((ds, market, window))
    return loaded


def _check_params(
    cls: type[Strategy], spec: BatchSpec, combos: list[dict[str, JsonValue]], problems: list[str]
) -> None:
    seen: dict[str, int] = {}
    for combo in combos:
        try:
            cls.make_params({**spec.params, **combo})
        except ConfigError as exc:
            text = str(exc)
            shown = ", ".join(f"{k}={v}" for k, v in combo.items())
            if text not in seen:
                seen[text] = 0
                if len(seen) <= MAX_LISTED:
                    problems.append(f"params ({shown}): {text}")
            seen[text] += 1
    if len(seen) > MAX_LISTED:
        problems.append(f"... and {len(seen) - MAX_LISTED} more parameter problem(s)")


def plan_payload(payload: dict[str, Any], *, source: str = "batch") -> BatchPlan:
    """Validate a batch payload (TOML or command line) and plan it, reporting every problem.

    The fields pydantic refuses are reported together with what planning the rest finds
    (strategy, parameters, engines, datasets), so one attempt lists every bad field.

    Raises:
        BatchSpecError: Every problem found.
    """
    try:
        spec = BatchSpec.model_validate(payload)
    except ValidationError as exc:
        problems = [describe_validation_problem(e) for e in exc.errors()]
        try:
            rest = BatchSpec.model_validate(valid_part(payload, exc))
        except ValidationError:
            raise BatchSpecError(source, problems) from exc
        try:
            plan_batch(rest, source=source)
        except BatchSpecError as more:
            problems += more.problems
        raise BatchSpecError(source, problems) from exc
    return plan_batch(spec, source=source)


def plan_batch(spec: BatchSpec, *, source: str = "batch") -> BatchPlan:
    """Validate ``spec`` fully and plan its runs (datasets x engines x grid combinations).

    Raises:
        BatchSpecError: Every problem found: strategy, parameters (per combination), engines,
            datasets (missing, invalid, or no bars in the window).
    """
    problems: list[str] = []
    ref = spec.strategy or _wiring.DEFAULT_STRATEGY
    cls: type[Strategy] | None
    try:
        cls = load_strategy(ref)
    except StrategyLoadError as exc:
        problems.append(f"strategy: {exc}")
        cls = None
    engines = spec.engines or (_wiring.DEFAULT_ENGINE,)
    for name in engines:
        try:
            # Built once here: an uninstalled engine is refused up front, and worker processes
            # forked afterwards start with the engine already imported.
            _wiring.make_engine(name)
        except ConfigError as exc:
            problems.append(f"engines: {exc}")
    if spec.native is not None and not _wiring.NATIVE_ENGINES.intersection(engines):
        problems.append(
            f"native: settings for an engine that honours them "
            f"({', '.join(sorted(_wiring.NATIVE_ENGINES))}), which the batch's engines "
            f"({', '.join(engines)}) do not include"
        )
    try:
        combos = expand(spec.grid)
    except ConfigError as exc:
        problems.append(f"grid: {exc}")
        combos = []
    if cls is not None:
        _check_params(cls, spec, combos, problems)
    loaded = _datasets(spec, problems)
    if problems or cls is None:
        raise BatchSpecError(source, problems)
    runs: list[PlannedRun] = []
    for ds, market, _ in loaded:
        for engine in engines:
            for combo in combos:
                runs.append(_plan_one(spec, cls, ref, ds, market, engine, combo, len(runs)))
    return BatchPlan(
        spec=spec,
        strategy_id=ref,
        strategy_cls=cls,
        runs=tuple(runs),
        data={market.snapshot_id(): market for _, market, _ in loaded},
        windows={
            (market.snapshot_id(), *ds.window(spec.start, spec.end)): window
            for ds, market, window in loaded
        },
    )


def _plan_one(
    spec: BatchSpec,
    cls: type[Strategy],
    ref: str,
    ds: DatasetSpec,
    market: MarketData,
    engine: str,
    combo: dict[str, JsonValue],
    index: int,
) -> PlannedRun:
    values: dict[str, Any] = {**spec.params, **combo}
    start, end = ds.window(spec.start, spec.end)
    config = make_config(
        strategy=ref,
        params=values,
        data=ds.paths,
        dataset=ds.name,
        start=start,
        end=end,
        cash=spec.cash,
        commission_bps=spec.commission_bps,
        commission_per_share=spec.commission_per_share,
        slippage_bps=spec.slippage_bps,
        fill_policy=spec.fill_policy,
        engine=engine,
        seed=spec.seed,
        prices=spec.prices,
        account=spec.account,
        # The native engine's own settings (ADR 0025); every other engine runs without them.
        native=spec.native if engine in _wiring.NATIVE_ENGINES else None,
    )
    resolved = resolve_config(config, cls.make_params(values), market.snapshot_id())
    return PlannedRun(
        index=index,
        key=run_key(resolved, cls),
        config=resolved,
        params=combo,
        dataset=config.dataset.name,
    )
