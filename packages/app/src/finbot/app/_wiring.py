"""The composition root: the one place that chooses concrete engines, data and strategies.

Every adapter package is imported inside a factory, never at module import, so ``finbot --help``
and ``import finbot.app`` stay fast and work even when an optional engine is not installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from finbot.contracts import (
    BacktestEngine,
    ConfigError,
    DataQuality,
    DatasetRef,
    EngineRunError,
    MarketData,
    MissingDataPolicy,
    Strategy,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from finbot.contracts import BacktestResult

# Golden strategy 1: finbot.strategies owns the class, the composition root picks the default.
DEFAULT_STRATEGY = "sma_crossover"
DEFAULT_ENGINE = "backtrader"
# finbot.data's golden dataset (its DEFAULT_DATASET too; a test keeps the two equal). Named here,
# not imported: importing finbot.data loads pandas, pyarrow and numpy (~0.3 s), which a run must not
# pay before its input is checked, nor a command that reads no data (issue 7).
DEFAULT_DATASET = "golden"

EngineFactory = Callable[[bool], BacktestEngine]


def _backtrader(verbose: bool) -> BacktestEngine:
    from finbot.engine_backtrader import BacktraderEngine

    return BacktraderEngine()


def _nautilus(verbose: bool) -> BacktestEngine:
    # finbot-engine-nautilus is optional: when it (or nautilus_trader) is absent this import fails
    # and make_engine turns the ModuleNotFoundError into an install hint.
    from finbot.engine_nautilus import NautilusEngine

    return NautilusEngine(verbose=verbose)


def _nautilus_native(verbose: bool) -> BacktestEngine:
    from finbot.engine_nautilus import NautilusNativeEngine

    return NautilusNativeEngine(verbose=verbose)


def _sim(verbose: bool) -> BacktestEngine:
    from finbot.engine_sim import SimEngine

    return SimEngine()


def _paper(verbose: bool) -> BacktestEngine:
    # A paper session replayed at full speed: how the parity gate covers the paper broker.
    from finbot.paper_broker import PaperEngine

    return PaperEngine()


# Engine id -> (factory, distribution that provides it). Add an engine here and nowhere else
# (plus, for an optional engine, its packages in ENGINE_PACKAGES).
ENGINES: dict[str, tuple[EngineFactory, str]] = {
    "backtrader": (_backtrader, "finbot-engine-backtrader"),
    "nautilus": (_nautilus, "finbot-engine-nautilus"),
    # Nautilus's own execution (issue 12): measured against the baseline, never gated on parity.
    "nautilus-native": (_nautilus_native, "finbot-engine-nautilus"),
    "sim": (_sim, "finbot-engine-sim"),
    "paper": (_paper, "finbot-paper-broker"),
}

# Engines `finbot parity` compares only when named in --engines: `paper` replays the simulated
# broker through the paper session (the CI gate names it), it is no backtest engine of its own;
# `nautilus-native` lets Nautilus decide fills, so its differences are measured, never expected
# to vanish (ADR 0019).
OPT_IN_PARITY_ENGINES = frozenset({"paper", "nautilus-native"})

# Engines whose own execution models decide fills: they honour (and their configs record)
# `RunConfig.native`; every other engine refuses it rather than ignore it (ADR 0025).
NATIVE_ENGINES = frozenset({"nautilus-native"})

# Engine id -> the modules whose absence means "this engine is not installed": the adapter package
# and the engine SDK's top-level package. Any other ImportError (a broken import inside our adapter
# or inside the engine, a missing dependency of either) is a fault that must fail loudly: read as
# "not installed", it once turned golden and parity tests into silent skips (issue 7).
ENGINE_PACKAGES: dict[str, frozenset[str]] = {
    "backtrader": frozenset({"finbot.engine_backtrader", "backtrader"}),
    "nautilus": frozenset({"finbot.engine_nautilus", "nautilus_trader"}),
    "nautilus-native": frozenset({"finbot.engine_nautilus", "nautilus_trader"}),
    "sim": frozenset({"finbot.engine_sim"}),
    "paper": frozenset({"finbot.paper_broker"}),
}


# `--engine nautilus --nautilus-mode MODE`: the engine id each Nautilus mode runs as. The id is
# what the run config records, so a recorded native run reruns in native mode.
NAUTILUS_MODES = {"replica": "nautilus", "native": "nautilus-native"}


def engine_for_mode(engine: str | None, nautilus_mode: str | None) -> str | None:
    """The engine id for ``--engine ENGINE --nautilus-mode MODE`` (``engine`` when no mode).

    Raises:
        ConfigError: the mode is unknown, or given for an engine other than nautilus.
    """
    if nautilus_mode is None:
        return engine
    if nautilus_mode not in NAUTILUS_MODES:
        raise ConfigError(
            f"unknown --nautilus-mode '{nautilus_mode}'; use {' or '.join(NAUTILUS_MODES)}"
        )
    if engine not in NAUTILUS_MODES.values():
        raise ConfigError(
            f"--nautilus-mode applies to --engine nautilus only (the engine is "
            f"'{engine or DEFAULT_ENGINE}')"
        )
    return NAUTILUS_MODES[nautilus_mode]


def engine_names() -> tuple[str, ...]:
    """The engine ids the composition root knows how to build."""
    return tuple(ENGINES)


def check_engine_name(name: str) -> None:
    """Refuse an engine id no factory is registered under, without importing any engine.

    Raises:
        ConfigError: The name is unknown; the message lists the known ones.
    """
    if name not in ENGINES:
        raise ConfigError(
            f"unknown engine '{name}'; available engines: {', '.join(sorted(ENGINES))}"
        )


def make_engine(name: str, *, verbose: bool = False) -> BacktestEngine:
    """Build the engine adapter registered under ``name``.

    Raises:
        ConfigError: The name is unknown, or its adapter package or engine SDK is not installed.
        EngineRunError: The adapter is installed but failed to import (a bug or a broken install).
    """
    check_engine_name(name)
    factory, dist = ENGINES[name]
    try:
        return factory(verbose)
    except ImportError as exc:
        if is_engine_absent(name, exc):
            raise ConfigError(
                f"engine '{name}' is not installed ({exc}); install it with "
                f"`uv sync --all-packages` in the finbot checkout or `pip install {dist}`"
            ) from exc
        raise EngineRunError(
            f"engine '{name}' is installed but failed to import: {type(exc).__name__}: {exc}"
        ) from exc


def is_engine_absent(name: str, exc: ImportError) -> bool:
    """Whether ``exc`` means engine ``name`` is not installed, rather than that it is broken.

    Only a ``ModuleNotFoundError`` for the adapter package or the engine's top-level package
    counts; ``from backtrader import Missing`` (a plain ``ImportError``) or a missing submodule
    or dependency does not.
    """
    return isinstance(exc, ModuleNotFoundError) and exc.name in ENGINE_PACKAGES.get(
        name, frozenset()
    )


def golden_strategies() -> Mapping[str, type[Strategy]]:
    """The golden strategies by name, from ``finbot.strategies``."""
    from finbot.strategies import GOLDEN_STRATEGIES

    return GOLDEN_STRATEGIES


def default_dataset() -> str:
    """The embedded dataset a run uses when no data files are given."""
    return DEFAULT_DATASET


def load_market_data(ref: DatasetRef) -> MarketData:
    """Load and validate the data a ``DatasetRef`` names, through ``finbot.data``."""
    from finbot.data import load_dataset

    return load_dataset(ref)


def apply_missing_data(
    data: MarketData, policy: MissingDataPolicy, *, calendar: str | None
) -> tuple[MarketData, DataQuality]:
    """Find the data's missing sessions and apply the run's policy, through ``finbot.data``."""
    from finbot.data import apply_missing_data as apply

    return apply(data, policy, calendar=calendar)


def write_result_files(result: BacktestResult, out_dir: str) -> dict[str, Path]:
    """Write a result's JSON and Parquet files through ``finbot.data``; name -> path written."""
    from finbot.data import write_result

    return write_result(result, out_dir)


def result_frames(result: BacktestResult) -> Mapping[str, pd.DataFrame]:
    """A result as pandas DataFrames (equity curve, orders, fills, trades, ...)."""
    from finbot.data import result_frames as frames

    return frames(result)
