"""``finbot parity``: run one config on several engines and report whether they agree.

The tolerances and why each is what it is: docs/parity-tolerance-spec.md. The first engine named is
the baseline; every other engine's result is compared against it with ``finbot.parity``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from finbot.contracts import (
    BacktestResult,
    ConfigError,
    FillPolicy,
    MarketData,
    RunConfig,
    session_date,
)
from finbot.parity import EXACT, Divergence, ParityReport, ParityTolerance, compare_results

from . import _api, _wiring
from ._errors import EXIT_PARITY_BREACHED, errors_to_exit_codes
from ._params import parse_params

REPORT_SCHEMA_VERSION = 1
REPORT_FILE = "parity.json"

# "exact" is the gate: the engines measured bit-identical (docs/parity-tolerance-spec.md); "spec"
# is the documented ceiling, for strategies whose engines may only agree to floating-point noise.
TOLERANCES: dict[str, ParityTolerance] = {"exact": EXACT, "spec": ParityTolerance()}


class ParityFillPolicy(StrEnum):
    """A fill policy to check, or both of them."""

    NEXT_OPEN = "next_open"
    THIS_CLOSE = "this_close"
    BOTH = "both"

    def policies(self) -> tuple[FillPolicy, ...]:
        """The contract fill policies this choice covers."""
        if self is ParityFillPolicy.BOTH:
            return (FillPolicy.NEXT_OPEN, FillPolicy.THIS_CLOSE)
        return (FillPolicy(self.value),)


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
    """Every engine the composition root knows, the default (baseline) engine first."""
    names = _wiring.engine_names()
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
    """Run ``config`` on each engine (same data, loaded once) and compare each with the first.

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
    names = tuple(engines)
    if len(names) < 2:
        raise ConfigError(f"parity needs at least two engines to compare, got {list(names)}")
    for name in names:
        _wiring.check_engine_name(name)
    market = data if data is not None else _api.load_data(config.dataset)
    results = []
    for name in names:
        began = time.perf_counter()
        result = _api.run_backtest(
            config.model_copy(update={"engine": name}), data=market, verbose=verbose
        )
        if on_result is not None:
            on_result(name, result, time.perf_counter() - began)
        results.append(result)
    reports = tuple(compare_results(results[0], other, tolerance) for other in results[1:])
    return ParityRun(engines=names, results=tuple(results), reports=reports)


# --- presentation ---------------------------------------------------------------------------
def _num(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.10g}"


def _diff(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "0" if value == 0 else f"{value:+.3g}"


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


def _header(run: ParityRun, tolerance_name: str, tol: ParityTolerance) -> Table:
    result = run.results[0]
    config = result.config
    costs = config.cost_model
    ts = result.equity_curve.ts_ns
    span = f"{session_date(ts[0])} .. {session_date(ts[-1])} ({len(ts)} steps)" if ts else "no bars"
    params = ", ".join(f"{k}={v}" for k, v in config.strategy.params.items()) or "(defaults)"
    dataset = config.dataset.name
    if config.dataset.paths:
        dataset += " [" + ", ".join(config.dataset.paths) + "]"
    engines = ", ".join(f"{r.engine.name} {r.engine.version}" for r in run.results)
    limits = (
        "exact equality"
        if tol == EXACT
        else f"fill price {tol.fill_price_rel:g} rel, commission {tol.commission_abs:g} abs, "
        f"final equity {tol.final_equity_bp:g} bp, daily equity {tol.daily_equity_bp:g} bp, "
        f"metrics {tol.metric_rel:g} rel"
    )
    rows = (
        ("Strategy", config.strategy.id),
        ("Parameters", params),
        ("Dataset", f"{dataset} (snapshot {result.data_snapshot_id[:12]})"),
        ("Dates", span),
        ("Fill policy", config.fill_policy.value),
        (
            "Costs",
            f"commission {costs.commission_bps:g} bps + {costs.commission_per_share:g}/share "
            f"(min {costs.commission_minimum:g}, rounding {costs.rounding.value}), "
            f"slippage {costs.slippage_bps:g} bps",
        ),
        ("Starting cash", f"{config.starting_cash:,.2f} {config.currency}"),
        ("Engines", f"{engines} (baseline {result.engine.name})"),
        ("Tolerance", f"{tolerance_name}: {limits}"),
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, Text(value))
    table.title = f"finbot parity ({config.fill_policy.value})"
    table.title_justify = "left"
    return table


def _comparison_table(report: ParityReport, left: BacktestResult, right: BacktestResult) -> Table:
    table = Table(
        title=f"{report.left_engine} (baseline) vs {report.right_engine}", title_justify="left"
    )
    table.add_column("", style="cyan", no_wrap=True)
    table.add_column(report.left_engine, justify="right")
    table.add_column(report.right_engine, justify="right")
    table.add_column("difference", justify="right")
    table.add_column("ok", justify="center")
    counts = (
        ("orders", report.order_counts),
        ("fills", report.fill_counts),
        ("trades", (len(left.trades), len(right.trades))),
        ("open positions", (len(left.positions), len(right.positions))),
    )
    for name, (a, b) in counts:
        table.add_row(name, _num(a), _num(b), _diff(b - a), _mark(a == b))
    for metric in report.metrics:
        table.add_row(
            metric.name,
            _num(metric.left),
            _num(metric.right),
            _diff(metric.difference),
            _mark(metric.within),
        )
    return table


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[bold red]✗[/]"


def _describe_divergence(kind: str, div: Divergence | None) -> str:
    if div is None:
        return f"First diverging {kind}: none"
    side = div.left or div.right or {}
    when = side.get("time") or side.get("submitted")
    head = f"First diverging {kind}: #{div.index} ({div.field})"
    if div.left is None or div.right is None:
        missing = "baseline" if div.left is None else "other engine"
        return f"{head}: missing in the {missing}; present one: {_brief(side)}"
    lp, rp = div.left.get("price"), div.right.get("price")
    prices = f", prices {lp!r} vs {rp!r}" if lp is not None else ""
    fields = f", {div.field} {div.left.get(div.field)!r} vs {div.right.get(div.field)!r}"
    return (
        f"{head}: {when} {side.get('side')} {side.get('quantity')} "
        f"{side.get('instrument_id')}{prices}{fields if div.field != 'price' else ''}"
    )


def _brief(item: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in item.items())


def print_parity(console: Console, runs: Sequence[ParityRun], tolerance_name: str) -> None:
    """Print each run's header, the side-by-side comparison, divergences and the verdict."""
    tol = TOLERANCES.get(tolerance_name, EXACT)
    for run in runs:
        console.print(_header(run, tolerance_name, tol))
        console.print()
        for report, other in zip(run.reports, run.results[1:], strict=True):
            left = run.results[0]
            console.print(_comparison_table(report, left, other))
            lf, rf = report.final_equity
            currency = left.config.currency
            console.print(
                f"Final equity: {lf:,.6f} vs {rf:,.6f} {currency}, "
                f"gap {report.final_equity_gap_bp:.6g} bp"
            )
            session = report.max_daily_equity_gap_session
            console.print(
                f"Largest daily equity gap: {report.max_daily_equity_gap_bp:.6g} bp "
                + (f"(session {session})" if session else "(equal on every session)")
            )
            console.print(f"Largest fill price difference: {report.max_fill_price_rel:.3g} rel")
            console.print(escape(_describe_divergence("order", report.first_order_divergence)))
            console.print(escape(_describe_divergence("fill", report.first_fill_divergence)))
            if report.ok:
                console.print(f"[bold green]PARITY OK[/] ({tolerance_name})")
            else:
                console.print(f"[bold red]PARITY BREACHED[/] ({tolerance_name}):")
                for breach in report.breaches:
                    console.print(f"  - {escape(breach)}")
            console.print()
    total = sum(len(run.reports) for run in runs)
    agreeing = sum(report.ok for run in runs for report in run.reports)
    verdict = "[bold green]OK[/]" if agreeing == total else "[bold red]BREACHED[/]"
    console.print(f"parity {verdict}: {agreeing} of {total} comparison(s) within {tolerance_name}")


def _unique_dirs(engines: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in engines:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def _write_outputs(runs: Sequence[ParityRun], out_dir: Path) -> list[str]:
    files: list[str] = []
    for run in runs:
        policy = run.results[0].config.fill_policy.value
        for sub, result in zip(_unique_dirs(run.engines), run.results, strict=True):
            written = _api.write_result(result, out_dir / policy / sub)
            files.extend(str(p) for p in written.values())
    return files


# --- command --------------------------------------------------------------------------------
def parity(
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy",
            "-s",
            help="Golden strategy name (default: sma_crossover), path/to/file.py:ClassName, "
            "or package.module:ClassName.",
        ),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            "-d",
            help="CSV or Parquet bar file; repeat for several instruments. "
            "Default: the embedded golden dataset.",
        ),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="First session included (YYYY-MM-DD, UTC)."),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last session included (YYYY-MM-DD, UTC)."),
    ] = None,
    cash: Annotated[float, typer.Option(help="Starting cash.")] = 100_000.0,
    commission: Annotated[
        float, typer.Option(help="Commission in basis points of notional (10 = 0.1%).")
    ] = 0.0,
    commission_per_share: Annotated[
        float, typer.Option(help="Commission in currency per share/unit.")
    ] = 0.0,
    slippage_bps: Annotated[
        float, typer.Option(help="Slippage in basis points of price on market/stop fills.")
    ] = 0.0,
    fill_policy: Annotated[
        ParityFillPolicy,
        typer.Option(
            case_sensitive=False,
            help="When a market order fills: next bar's open, this bar's close, or both "
            "(one comparison per policy).",
        ),
    ] = ParityFillPolicy.NEXT_OPEN,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Strategy parameter key=value (repeatable); the value is read as JSON "
            "when it parses (10, 0.5, true, [1,2]), else as text.",
        ),
    ] = None,
    engines: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated engines, the baseline first "
            f"(default: {','.join(default_engines())})."
        ),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option(
            help="exact (the CI gate: bit-identical) or spec (the ceiling in "
            "docs/parity-tolerance-spec.md)."
        ),
    ] = "exact",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Directory to write parity.json and each engine's result."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the machine-readable report on stdout only.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks, engine logs and run times.")
    ] = False,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            envvar="FINBOT_REGISTRY",
            help="Registry that records the runs with --record (default ./.finbot).",
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record/--no-record",
            help="Record each engine's run in the registry (off by default: a parity check is a "
            "verification, run on every merge, not an experiment).",
        ),
    ] = False,
) -> None:
    """Run one config on several engines and report whether they agree (exit 1 if they do not)."""
    with errors_to_exit_codes(verbose):
        if tolerance not in TOLERANCES:
            raise ConfigError(
                f"unknown --tolerance '{tolerance}'; choose one of {', '.join(TOLERANCES)}"
            )
        names = parse_engines(engines)
        base = _api.make_config(
            strategy=strategy,
            params=parse_params(param or ()),
            data=tuple(data or ()),
            start=start.date() if start else None,
            end=end.date() if end else None,
            cash=cash,
            commission_bps=commission,
            commission_per_share=commission_per_share,
            slippage_bps=slippage_bps,
            fill_policy=FillPolicy.NEXT_OPEN,
            engine=names[0],
        )
        err = Console(stderr=True)
        on_result = _after_each_run(registry, record, verbose, err)
        # In --json mode stdout carries the JSON document only; engine chatter goes to stderr.
        quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
        with quiet:
            market = _api.load_data(base.dataset)
            runs = [
                run_parity(
                    base.model_copy(update={"fill_policy": policy}),
                    names,
                    tolerance=TOLERANCES[tolerance],
                    data=market,
                    verbose=verbose,
                    on_result=on_result,
                )
                for policy in fill_policy.policies()
            ]
        files = None
        if output:
            report_path = output / REPORT_FILE
            files = [str(report_path), *_write_outputs(runs, output)]
        payload = parity_payload(runs, tolerance, output_files=files)
        if output:
            report_path.write_text(json.dumps(payload, indent=2) + "\n")
        if as_json:
            typer.echo(json.dumps(payload, indent=2))
        else:
            # Piped or captured output is 80 columns by default, too narrow for two full values.
            console = Console() if sys.stdout.isatty() else Console(width=120)
            print_parity(console, runs, tolerance)
            if files:
                console.print("Wrote: " + escape(", ".join(files)))
        if not payload["ok"]:
            breached = sum(not r.ok for run in runs for r in run.reports)
            err.print(
                f"[bold red]error:[/] parity breached: {breached} comparison(s) outside the "
                f"'{tolerance}' tolerance",
                highlight=False,
            )
            raise typer.Exit(EXIT_PARITY_BREACHED)


def _after_each_run(
    registry: str | None, record: bool, verbose: bool, err: Console
) -> Callable[[str, BacktestResult, float], None]:
    """The ``on_result`` callback: records each engine run (``--record``) and times it."""

    def on_result(name: str, result: BacktestResult, seconds: float) -> None:
        if record:
            from ._runs_commands import recording

            # One registry record per engine run, the same record `finbot backtest` makes.
            with recording(result.config, registry, True) as recorder:
                run_id = recorder.finished(result)
            err.print(f"recorded {name} run {run_id}", highlight=False)
        if verbose:
            policy = result.config.fill_policy.value
            err.print(f"{name} ({policy}) took {seconds:.2f} s", highlight=False)

    return on_result

