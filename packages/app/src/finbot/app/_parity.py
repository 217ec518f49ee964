"""The parity Python API: run one config on several engines, compare, and report as JSON.

The tolerances and why each is what it is: docs/parity-tolerance-spec.md. The first engine named is
the baseline; every other engine's result is compared against it with ``finbot.parity``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finbot.contracts import BacktestResult, ConfigError, MarketData, NativeExecution, RunConfig
from finbot.parity import (
    EXACT,
    FillDifferenceReport,
    ParityReport,
    ParityTolerance,
    compare_results,
    fill_differences,
)

from . import _backtest, _wiring

REPORT_SCHEMA_VERSION = 1
REPORT_FILE = "parity.json"

# "exact" is the gate: the engines measured bit-identical (docs/parity-tolerance-spec.md); "spec"
# is the documented ceiling, for strategies whose engines may only agree to floating-point noise.
TOLERANCES: dict[str, ParityTolerance] = {"exact": EXACT, "spec": ParityTolerance()}


@dataclass(frozen=True, slots=True)
class ParityRun:
    """One config run on several engines: each engine's result and each comparison.

    ``reports[i]`` compares ``results[i + 1]`` against the baseline ``results[0]``.
    """

    engines: tuple[str, ...]
    results: tuple[BacktestResult, ...]
    reports: tuple[ParityReport, ...]

    @property
    def ok(self) -> bool:
        """True when every engine agrees with the baseline within the tolerance."""
        return all(report.ok for report in self.reports)


def default_engines() -> tuple[str, ...]:
    """Every engine the composition root knows but the opt-in ones, the baseline first."""
    names = [n for n in _wiring.engine_names() if n not in _wiring.OPT_IN_PARITY_ENGINES]
    return (_wiring.DEFAULT_ENGINE, *(n for n in names if n != _wiring.DEFAULT_ENGINE))


def parse_engines(text: str | None) -> tuple[str, ...]:
    """``"backtrader,nautilus"`` -> engine ids, checked against the composition root.

    Raises:
        ConfigError: A name is unknown, or fewer than two engines are named.
    """
    if text is None:
        return default_engines()
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    for name in names:
        _wiring.check_engine_name(name)
    if len(names) < 2:
        raise ConfigError(
            f"--engines needs at least two comma-separated engines to compare, got {text!r}"
        )
    return names


def run_parity(
    config: RunConfig,
    engines: Sequence[str],
    *,
    tolerance: ParityTolerance = EXACT,
    data: MarketData | None = None,
    verbose: bool = False,
    on_result: Callable[[str, BacktestResult, float], None] | None = None,
) -> ParityRun:
    """Run ``config`` on each engine (prepared once: same data) and compare each with the first.

    Args:
        config: What to run; its ``engine`` field is replaced by each engine id in turn.
        engines: Engine ids, baseline first; at least two (an id may repeat, to check that an
            engine is deterministic).
        tolerance: How far results may differ; default exact equality.
        data: Market data to use instead of loading ``config.dataset``.
        verbose: Let engines log.
        on_result: Called as ``on_result(engine, result, seconds)`` after each run (the CLI
            records runs and prints timings through it).

    Raises:
        ConfigError: Fewer than two engines, an unknown or uninstalled engine, or a bad config.
        EngineRunError: An engine run failed.
    """
    names = _checked_engines(engines)
    return compare_engines(
        _backtest.prepare_run(config, data=data),
        names,
        tolerance=tolerance,
        verbose=verbose,
        on_result=on_result,
    )


def compare_engines(
    prepared: _backtest.PreparedRun,
    engines: Sequence[str],
    *,
    tolerance: ParityTolerance = EXACT,
    verbose: bool = False,
    on_result: Callable[[str, BacktestResult, float], None] | None = None,
    around_run: Callable[[_backtest.PreparedRun], AbstractContextManager[object]] | None = None,
    on_step: Callable[[int], None] | None = None,
    native: NativeExecution | None = None,
) -> ParityRun:
    """Run one prepared run on each engine and compare each result with the first's.

    ``run_parity`` without the preparation: the strategy is resolved and the data loaded and cut
    once, however many engines run it. Arguments and errors as for ``run_parity``;
    ``around_run(engine_run)`` wraps each engine's run and its ``on_result`` call (the CLI writes
    the registry's ``running`` record there, so a killed or failed parity run stays visible).
    ``on_step(n)`` is called before each engine run's n-th step (each run counts from 1).
    ``native`` is the native execution settings of the native engine among ``engines`` (ADR 0025;
    a ``ConfigError`` when none is named).
    """
    names = _checked_engines(engines)
    if native is not None and not _wiring.NATIVE_ENGINES.intersection(names):
        raise ConfigError(
            f"native execution settings ({native.describe()}) need an engine that honours them "
            f"among the compared ones ({', '.join(sorted(_wiring.NATIVE_ENGINES))}); got "
            f"{','.join(names)}"
        )
    results = []
    for name in names:
        engine_run = prepared.on_engine(name, native)
        with around_run(engine_run) if around_run is not None else contextlib.nullcontext():
            began = time.perf_counter()
            result = _backtest.run_prepared(engine_run, verbose=verbose, on_step=on_step)
            if on_result is not None:
                on_result(name, result, time.perf_counter() - began)
        results.append(result)
    reports = tuple(compare_results(results[0], other, tolerance) for other in results[1:])
    return ParityRun(engines=names, results=tuple(results), reports=reports)


def _checked_engines(engines: Sequence[str]) -> tuple[str, ...]:
    names = tuple(engines)
    if len(names) < 2:
        raise ConfigError(f"parity needs at least two engines to compare, got {list(names)}")
    for name in names:
        _wiring.check_engine_name(name)
    return names


def _run_payload(run: ParityRun, tolerance_name: str) -> dict[str, Any]:
    baseline = run.results[0]
    return {
        "fill_policy": baseline.config.fill_policy.value,
        "ok": run.ok,
        "tolerance": tolerance_name,
        "config": baseline.config.model_dump(mode="json"),
        "results": [
            {
                "engine": result.engine.model_dump(mode="json"),
                "config_hash": result.config.config_hash(),
                "result_hash": result.content_hash(),
                "final_equity": result.metrics.final_equity,
                "orders": len(result.orders),
                "fills": len(result.fills),
                "trades": len(result.trades),
            }
            for result in run.results
        ],
        "comparisons": [report.to_dict() for report in run.reports],
        # Fill by fill in bp, for every engine against the baseline: all zero under the exact
        # gate, the measurement itself for an engine that decides its own fills (ADR 0019).
        "fill_differences": [
            fill_difference_payload(fill_differences(baseline, other))
            for other in run.results[1:]
        ],
    }


def fill_difference_payload(report: FillDifferenceReport) -> dict[str, Any]:
    """A ``FillDifferenceReport`` as JSON: the summary and each paired fill."""
    return {
        "left_engine": report.left_engine,
        "right_engine": report.right_engine,
        "matched": len(report.matched),
        "only_left": report.only_left,
        "only_right": report.only_right,
        "mean_abs_price_bp": report.mean_abs_price_bp,
        "max_abs_price_bp": report.max_abs_price_bp,
        "mean_cost_bp": report.mean_cost_bp,
        "fills": [
            {
                "order_id": d.order_id,
                "sequence": d.sequence,
                "left_price": d.left.price if d.left else None,
                "right_price": d.right.price if d.right else None,
                "price_bp": d.price_bp,
                "cost_bp": d.cost_bp,
                "quantity_difference": d.quantity_difference,
                "delay_ns": d.delay_ns,
            }
            for d in report.fills
        ],
    }


def parity_payload(
    runs: Sequence[ParityRun], tolerance_name: str, *, output_files: list[str] | None = None
) -> dict[str, Any]:
    """The machine-readable report ``finbot parity --json`` prints and ``--output`` writes."""
    payload: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "ok": all(run.ok for run in runs),
        "tolerance": tolerance_name,
        "engines": list(runs[0].engines) if runs else [],
        "runs": [_run_payload(run, tolerance_name) for run in runs],
    }
    if output_files is not None:
        payload["output_files"] = output_files
    return payload


def _unique_dirs(engines: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in engines:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def write_results(runs: Sequence[ParityRun], out_dir: Path) -> list[str]:
    """Write each engine's result under ``out_dir/<fill policy>/<engine>``; the paths written."""
    files: list[str] = []
    for run in runs:
        policy = run.results[0].config.fill_policy.value
        for sub, result in zip(_unique_dirs(run.engines), run.results, strict=True):
            written = _backtest.write_result(result, out_dir / policy / sub)
            files.extend(str(p) for p in written.values())
    return files
