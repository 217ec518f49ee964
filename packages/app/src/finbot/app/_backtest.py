"""The backtest use cases: build a run config, prepare it, run it, write or frame the result.

The CLI, batch workers and notebooks call these. Engines and pandas are imported only when a run or
a conversion needs them.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue, ValidationError

from finbot.contracts import (
    COMMISSION_PRESETS,
    AccountModel,
    BacktestEngine,
    BacktestResult,
    ConfigError,
    DataCheck,
    DataQuality,
    DatasetRef,
    EngineRunError,
    FillPolicy,
    FinbotError,
    MarketData,
    MissingDataPolicy,
    NativeExecution,
    PriceMode,
    RunConfig,
    Strategy,
    StrategyParams,
    StrategySpec,
    session_date,
)

from . import _wiring
from ._failures import run_failure, validation_problems
from ._native import native_for, with_native
from ._strategy_loader import load_strategy
from ._timeout import time_limit

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
    calendar: str | None = None,
    allow: Sequence[DataCheck | str] = (),
    missing_data: MissingDataPolicy | str = MissingDataPolicy.RAISE,
    commission_preset: str | None = None,
    commission_fixed: float | None = None,
    commission_minimum: float | None = None,
    commission_maximum: float | None = None,
    commission_maximum_bps: float | None = None,
    timezone: str | None = None,
    spread_bps: float = 0.0,
    volume_limit: float | None = None,
    volume_impact: float = 0.0,
    impact_y: float = 0.0,
    impact_window: int | None = None,
    native: NativeExecution | Mapping[str, Any] | None = None,
    prices: PriceMode | str = PriceMode.TOTAL_RETURN,
    account: AccountModel | str | None = None,
    initial_margin: float | None = None,
    borrow_rate: float | None = None,
    funding_rate: float | None = None,
) -> RunConfig:
    """Build a validated ``RunConfig`` from plain values, with finbot's defaults.

    Args:
        strategy: Golden name, ``file.py:Class`` or ``module:Class``; default golden strategy 1.
        params: Strategy parameters (validated against the strategy when the run starts).
        data: CSV/Parquet files; when empty the embedded ``dataset`` is used.
        dataset: Embedded dataset name; default ``golden`` (``finbot.data.DEFAULT_DATASET``).
        start: First session included (UTC date).
        end: Last session included (UTC date).
        cash: Starting cash in the account currency.
        commission_bps: Commission in basis points of notional.
        commission_per_share: Commission in currency per unit.
        slippage_bps: Slippage in basis points of price.
        fill_policy: ``next_open`` or ``this_close``.
        engine: Engine id; default ``backtrader``.
        seed: Seed for any randomness in the run.
        calendar: exchange-calendars code the data is checked against (default: the dataset's
            own, else XNYS).
        allow: Plausibility checks to override (``future-dates``, ``split-jumps``,
            ``outliers``, ``off-session``).
        missing_data: What to do with missing sessions: ``raise`` (default), ``ffill``, ``drop``.
        commission_preset: A named schedule (``finbot.contracts.COMMISSION_PRESETS``, e.g.
            ``ib_fixed``) as the base; the commission arguments given (non-zero bps or per
            share, any of the others) override its fields.
        commission_fixed: Fixed commission per fill, in currency.
        commission_minimum: Minimum commission per charged fill, in currency.
        commission_maximum: Maximum commission per fill, in currency.
        commission_maximum_bps: Maximum commission per fill, in basis points of notional.
        timezone: IANA zone of the data files' naive intraday timestamps (default UTC); stamps
            with a UTC offset and daily dates are not affected.
        spread_bps: Quoted bid-ask spread in basis points of price; market and stop fills pay
            half of it.
        volume_limit: Most of a bar's volume one fill may take (0-1); the rest keeps working.
        volume_impact: Volume-share slippage: fraction of price per (fill / bar volume) squared.
        impact_y: Square-root impact coefficient Y in ``Y * sigma * sqrt(q / ADV)``.
        impact_window: Bars before the fill that sigma and ADV are measured over (default 20).
        native: Native execution settings (latency, fill model, account, liquidity, risk
            engine; ``NativeExecution`` or its fields as a mapping) for engine
            ``nautilus-native``, which gets the defaults when None (ADR 0025).
        prices: Price mode: ``raw`` (corporate actions applied by the engine),
            ``split-adjusted``, ``total-return`` (default) or ``backtrader-yahoo`` (ADR 0023).
        account: ``cash`` (default: no shorts, no borrowing) or ``margin`` (docs/adr/0022), or a
            whole ``AccountModel`` (the three arguments below then override its fields).
        initial_margin: Margin account: the fraction of gross exposure equity must cover after
            a fill that opens or grows a position (default 0.5).
        borrow_rate: Margin account: annual borrow fee on short market value (0.03 = 3%).
        funding_rate: Margin account: annual interest on negative cash (0.06 = 6%).

    Raises:
        ConfigError: A value is invalid (e.g. end before start, negative commission), or native
            settings are given for an engine that does not honour them; the message names the
            field.
    """
    paths = tuple(str(p) for p in data)
    ref: dict[str, Any] = {
        "calendar": calendar, "allow": tuple(allow), "timezone": timezone, "prices": prices
    }
    if paths:
        ref |= {"name": dataset or "+".join(Path(p).stem for p in paths), "paths": paths}
    else:
        ref |= {"name": dataset or _wiring.default_dataset()}
    payload: dict[str, Any] = {
        "strategy": {"id": strategy or _wiring.DEFAULT_STRATEGY, "params": dict(params or {})},
        "dataset": ref,
        "start": start,
        "end": end,
        "starting_cash": cash,
        "cost_model": _cost_fields(
            commission_preset,
            commission_bps=commission_bps or None,
            commission_per_share=commission_per_share or None,
            commission_fixed=commission_fixed,
            commission_minimum=commission_minimum,
            commission_maximum=commission_maximum,
            commission_maximum_bps=commission_maximum_bps,
            slippage_bps=slippage_bps,
            spread_bps=spread_bps or None,
            volume_limit=volume_limit,
            volume_impact=volume_impact or None,
            impact_y=impact_y or None,
            impact_window=impact_window,
        ),
        "fill_policy": fill_policy,
        "engine": engine or _wiring.DEFAULT_ENGINE,
        "seed": seed,
        "missing_data": missing_data,
        "native": native_for(engine or _wiring.DEFAULT_ENGINE, native),
        "account": (account.model_dump() if isinstance(account, AccountModel) else {})
        | {
            name: value
            for name, value in (
                ("kind", None if isinstance(account, AccountModel) else account),
                ("initial_margin", initial_margin),
                ("borrow_rate", borrow_rate),
                ("funding_rate", funding_rate),
            )
            if value is not None
        },
    }
    try:
        return RunConfig.model_validate(payload)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from exc


def _cost_fields(preset: str | None, **given: float | None) -> dict[str, Any]:
    """The cost model's fields: a preset's (if any) overridden by the values given (not None)."""
    base: dict[str, Any] = {}
    if preset is not None:
        fields = COMMISSION_PRESETS.get(preset)
        if fields is None:
            known = ", ".join(sorted(COMMISSION_PRESETS))
            raise ConfigError(f"commission_preset: unknown preset {preset!r}; known: {known}")
        base.update(fields)
    return base | {name: value for name, value in given.items() if value is not None}


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the config field, without pydantic's URLs."""
    return f"invalid run configuration: {validation_problems(exc)}"


def load_data(ref: DatasetRef) -> MarketData:
    """Load and validate the market data a ``DatasetRef`` names (embedded dataset or files).

    Raises:
        ConfigError: A data file does not exist.
        DataValidationError: The data breaks a rule (or a path is a directory); names the file,
            row and field.
    """
    for path in ref.paths:
        # Only absence is checked here; finbot.data says what else is wrong with a path.
        if not Path(path).exists():
            raise ConfigError(f"data file not found: {path}")
    return _wiring.load_market_data(ref)


@dataclass(frozen=True, slots=True)
class PreparedRun:
    """A run ready for an engine: everything ``run_backtest`` works out before the engine starts.

    Attributes:
        config: The resolved config (full validated parameters, pinned dataset snapshot), which
            the engine receives and the result stores.
        strategy_cls: The strategy class the reference resolved to.
        params: The strategy's validated parameters, defaults included.
        data: The market data cut to ``config.start .. config.end`` with the missing-data policy
            applied: what the engine sees.
        quality: What the data checks found and changed; stored in the result.
        dataset: The whole dataset ``data`` was cut from (the registry pins it once for every
            run on it); None when only the window is known.
    """

    config: RunConfig
    strategy_cls: type[Strategy]
    params: StrategyParams
    data: MarketData
    dataset: MarketData | None = None
    quality: DataQuality | None = None

    def new_strategy(self) -> Strategy:
        """A fresh strategy instance; strategies keep state, so each engine run needs its own."""
        return self.strategy_cls(self.params)

    def on_engine(self, name: str, native: NativeExecution | None = None) -> PreparedRun:
        """The same prepared run for another engine id (parity runs one config on several).

        Native execution settings go with the native engine only (ADR 0025): ``native`` (else
        the config's own, else the defaults) for it, none for any other engine.
        """
        config = with_native(self.config, name)
        if native is not None and config.native is not None:
            config = config.model_copy(update={"native": native})
        return replace(self, config=config)


def check_engine(name: str, engine: BacktestEngine | None = None) -> None:
    """Refuse an engine id the composition root does not know, or an engine of another name.

    Cheap (no engine is imported), so callers check it before loading any data.

    Raises:
        ConfigError: ``engine`` is None and ``name`` is unknown, or ``engine.name != name``.
    """
    if engine is None:
        _wiring.check_engine_name(name)
    elif engine.name != name:
        raise ConfigError(f"engine '{engine.name}' was passed but the config names engine '{name}'")


def prepare_run(config: RunConfig, *, data: MarketData | None = None) -> PreparedRun:
    """Resolve the strategy, validate its parameters, load and check the data, cut the window.

    Args:
        config: What to run.
        data: Market data to use instead of loading ``config.dataset`` (still cut to start/end).

    Raises:
        StrategyLoadError: The strategy reference cannot be resolved.
        ConfigError: Bad parameters, a missing data file, no data in the date range, or data that
            differs from the pinned ``config.dataset.snapshot_id``.
        DataValidationError: The data files break a rule.
    """
    strategy_cls = load_strategy(config.strategy.id)
    params = strategy_cls.make_params(config.strategy.params)
    market = data if data is not None else load_data(config.dataset)
    resolved = resolve_config(config, params, market.snapshot_id())
    window, quality = apply_data_policy(config, data_window(config, market), strategy_cls(params))
    return PreparedRun(
        config=resolved,
        strategy_cls=strategy_cls,
        params=params,
        data=window,
        dataset=market,
        quality=quality,
    )


def apply_data_policy(
    config: RunConfig, window: MarketData, strategy: Strategy
) -> tuple[MarketData, DataQuality]:
    """The run's missing-data policy applied to its window, plus warm-up warnings (ADR 0017).

    Raises:
        DataValidationError: Policy ``raise`` and sessions missing that the data does not declare.
        ConfigError: The calendar is unknown.
    """
    window, quality = _wiring.apply_missing_data(
        window, config.missing_data, calendar=config.dataset.calendar
    )
    short = warmup_warnings(window, strategy.warmup_bars())
    if short:
        quality = quality.model_copy(update={"warnings": (*quality.warnings, *short)})
    return window, quality


def warmup_warnings(data: MarketData, warmup: int) -> list[str]:
    """One warning per instrument with fewer bars than the strategy's warm-up."""
    return [
        f"{series.instrument_id} has {len(series)} bars, fewer than the strategy's warm-up of "
        f"{warmup}: the strategy cannot act on it"
        for series in data
        if len(series) < warmup
    ]


def data_window(config: RunConfig, market: MarketData) -> MarketData:
    """``market`` cut to ``config.start .. config.end``: what the engine sees.

    Raises:
        ConfigError: The window has no bars.
    """
    window = market if config.start is None and config.end is None else market.between(
        config.start, config.end
    )
    if window.bar_count == 0:
        raise ConfigError(
            f"dataset '{config.dataset.name}' has no bars between "
            f"{config.start or 'its start'} and {config.end or 'its end'}"
        )
    return window


def resolve_config(config: RunConfig, params: StrategyParams, snapshot_id: str) -> RunConfig:
    """The config an engine receives: full parameters, pinned snapshot, native settings.

    The native execution settings are the ones the engine runs with (ADR 0025).

    Raises:
        ConfigError: The config already pins another snapshot (the data changed), or carries
            native settings for an engine that does not honour them.
    """
    pinned = config.dataset.snapshot_id
    if pinned is not None and pinned != snapshot_id:
        raise ConfigError(
            f"dataset '{config.dataset.name}' has snapshot {snapshot_id}, "
            f"but the config pins {pinned}: the data changed"
        )
    return config.model_copy(
        update={
            "strategy": StrategySpec(id=config.strategy.id, params=params.model_dump(mode="json")),
            "dataset": config.dataset.model_copy(update={"snapshot_id": snapshot_id}),
            "native": native_for(config.engine, config.native),
        }
    )




def run_prepared(
    prepared: PreparedRun,
    *,
    engine: BacktestEngine | None = None,
    verbose: bool = False,
    timeout_seconds: float | None = None,
    on_step: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Run a prepared run on ``engine``, or on the engine ``prepared.config.engine`` names.

    ``timeout_seconds`` stops the engine run with ``RunTimeoutError`` (an ``EngineRunError``)
    once that much time has passed (see ``time_limit``). ``on_step(n)`` is called as the n-th
    step of ``step_count(prepared.data)`` starts (for progress bars).

    Raises:
        ConfigError: Unknown or missing engine, or ``engine`` has another name than the config's.
        EngineRunError: The engine run failed, or the strategy or engine raised an exception finbot
            did not raise on purpose (chained as its cause; the message names the strategy and,
            when the strategy's own file raised, the line).
    """
    check_engine(prepared.config.engine, engine)
    if engine is None:
        # Built last: importing an engine is the slow part, so cheaper input errors come first.
        engine = _wiring.make_engine(prepared.config.engine, verbose=verbose)
    with run_errors(prepared, engine.name), time_limit(timeout_seconds):
        strategy = prepared.new_strategy()
        if on_step is not None:
            from ._progress import count_steps

            strategy = count_steps(strategy, on_step)
        result = engine.run(prepared.config, strategy, prepared.data)
    check_finite_numbers(result)
    if prepared.quality is None:
        return result
    check_no_synthetic_fills(result, prepared.quality)
    return result.model_copy(update={"data_quality": prepared.quality})


def check_finite_numbers(result: BacktestResult) -> None:
    """Fail the run rather than report a NaN or infinite metric or equity point.

    Raises:
        EngineRunError: Naming the first metric (or equity point) that is not a finite number.
    """
    for name, value in result.metrics:
        if isinstance(value, float) and not math.isfinite(value):
            raise EngineRunError(
                f"run produced metric {name} = {value}; finbot reports finite numbers only"
            )
    for ts, equity in zip(result.equity_curve.ts_ns, result.equity_curve.equity, strict=True):
        if not math.isfinite(equity):
            raise EngineRunError(
                f"run produced equity {equity} at {session_date(ts)}; finbot reports finite "
                "numbers only"
            )


def check_no_synthetic_fills(result: BacktestResult, quality: DataQuality) -> None:
    """Fail the run if an engine filled an order on a bar ``ffill`` made up.

    Raises:
        EngineRunError: A fill is stamped with a synthetic bar of its instrument.
    """
    synthetic = {iid: set(ts) for iid, ts in quality.filled.items()}
    for fill in result.fills:
        if fill.ts_ns in synthetic.get(fill.instrument_id, ()):
            raise EngineRunError(
                f"engine {result.engine.name} filled order {fill.order_id} on a forward-filled "
                f"bar of {fill.instrument_id} at {session_date(fill.ts_ns)}; synthetic bars must "
                "not fill"
            )


@contextlib.contextmanager
def run_errors(prepared: PreparedRun, engine: str) -> Iterator[None]:
    """Re-raise an exception finbot did not raise on purpose as a run failure.

    The ``EngineRunError`` names the strategy and, when the strategy's own file raised, the line;
    finbot's own errors pass unchanged.
    """
    try:
        yield
    except FinbotError:
        raise
    except Exception as exc:
        raise run_failure(
            exc,
            strategy_id=prepared.config.strategy.id,
            strategy_cls=prepared.strategy_cls,
            engine=engine,
        ) from exc


def run_backtest(
    config: RunConfig,
    *,
    data: MarketData | None = None,
    engine: BacktestEngine | None = None,
    verbose: bool = False,
    record: bool = False,
    registry: str | None = None,
    tags: Sequence[str] = (),
) -> BacktestResult:
    """Run one backtest and return its result: ``prepare_run`` then ``run_prepared``.

    The config stored in the result is the resolved one: the strategy's full validated parameters
    (defaults included) and the dataset's ``snapshot_id``, so equal runs have equal config hashes.

    Args:
        config: What to run.
        data: Market data to use instead of loading ``config.dataset`` (still cut to start/end).
        engine: An engine instance to use instead of building ``config.engine``; its ``name`` must
            equal ``config.engine``.
        verbose: Let the engine log (where it supports that).
        record: Record the run in the registry, as ``finbot backtest`` does (running, then
            finished or failed); the newest run of ``open_registry(registry).runs()`` is it.
        registry: Registry directory or URL (default ``$FINBOT_REGISTRY`` or ./.finbot).
        tags: Tags of the recorded run.

    Raises:
        StrategyLoadError: The strategy reference cannot be resolved.
        ConfigError: Bad parameters, unknown or missing engine, no data in the date range, or data
            that differs from the pinned ``config.dataset.snapshot_id``.
        DataValidationError: The data files break a rule.
        EngineRunError: The engine run failed.
        RegistryError: ``record`` is set and the registry cannot record.
    """
    check_engine(config.engine, engine)
    prepared = prepare_run(config, data=data)
    if not record:
        return run_prepared(prepared, engine=engine, verbose=verbose)
    from ._recording import run_recorder

    started = datetime.now(UTC)
    with run_recorder(registry, True) as recorder:
        with recorder.running(prepared, started=started, tags=tags) as run_id:
            result = run_prepared(prepared, engine=engine, verbose=verbose)
        recorder.finished(result, prepared, started=started, run_id=run_id)
    return result


def result_frames(result: BacktestResult) -> Mapping[str, pd.DataFrame]:
    """The result as pandas DataFrames (equity curve, orders, fills, trades, positions)."""
    return _wiring.result_frames(result)


def write_result(result: BacktestResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the result as JSON and Parquet files under ``out_dir`` (via ``finbot.data``).

    Returns:
        File name (``result.json``, ``fills``, ...) -> path of each file written.

    Raises:
        ConfigError: ``out_dir`` holds a symlink leading out of it (checked again here, right
            before writing, as well as before the run).
    """
    from ._output import check_output_dir

    check_output_dir(Path(out_dir))
    return _wiring.write_result_files(result, str(out_dir))
