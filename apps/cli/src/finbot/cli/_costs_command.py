"""``finbot costs RUN_ID``: a recorded run re-priced under a cost sweep (``finbot.app``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from finbot.app import open_registry, run_cost_analysis
from finbot.contracts import ConfigError
from finbot.reports import format_value

from ._errors import errors_to_exit_codes
from ._options import JsonOption, RegistryOption


def _numbers(option: str, text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{option}: expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise ConfigError(f"{option}: give at least one number")
    return values


def costs(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    bps: Annotated[
        str,
        typer.Option(
            "--bps",
            help="Flat costs to sweep, basis points of notional per fill, replacing every "
            "recorded cost (comma-separated).",
        ),
    ] = "0,1,2,5,10,20,50,100",
    impact_y: Annotated[
        str,
        typer.Option(
            "--impact-y", help="Square-root impact coefficients Y of the capacity curve."
        ),
    ] = "0.5,0.75,1,1.25,1.5",
    sizes: Annotated[
        str,
        typer.Option("--sizes", help="Order size multiples of the capacity curve."),
    ] = "1,2,5,10,20,50,100",
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """Re-price a recorded run's fills: cost sweep, break-even cost and capacity curve."""
    with errors_to_exit_codes(), open_registry(registry) as reg:
        report = run_cost_analysis(
            reg,
            run_id,
            bps=_numbers("--bps", bps),
            impact_y=_numbers("--impact-y", impact_y),
            sizes=_numbers("--sizes", sizes),
        )
        if as_json:
            typer.echo(json.dumps(asdict(report), indent=2))
            return
        console = Console(width=120)
        be = report.break_even_bps
        console.print(
            f"run {run_id}: net Sharpe {format_value(report.recorded_sharpe, 'num')} after "
            f"{report.recorded_costs:,.2f} of per-fill costs"
            + (
                f" ({report.recorded_cost_bps:.2f} bp of traded notional)"
                if report.recorded_cost_bps is not None
                else ""
            )
            + f"; gross Sharpe {format_value(report.gross_sharpe, 'num')}"
        )
        console.print(
            "Break-even cost: "
            + (
                f"{be:.2f} bp of notional per fill (net Sharpe 0)"
                if be is not None
                else "none (not profitable before costs, or still at 100% of notional)"
            )
        )
        sweep = Table(title="Flat cost per fill", title_justify="left")
        for column in ("cost (bp)", "net Sharpe", "total return", "costs paid"):
            sweep.add_column(column, justify="right")
        for p in report.sweep:
            sweep.add_row(
                f"{p.cost_bps:g}", format_value(p.sharpe, "num"),
                format_value(p.total_return, "pct"), f"{p.costs_paid:,.2f}",
            )
        console.print(sweep)
        ys = sorted({p.impact_y for p in report.capacity})
        grid = {(p.impact_y, p.size_multiple): p for p in report.capacity}
        capacity = Table(
            title="Capacity: net Sharpe by order size multiple and square-root impact Y",
            title_justify="left",
        )
        capacity.add_column("size x", justify="right")
        capacity.add_column("max share of bar volume", justify="right")
        for y in ys:
            capacity.add_column(f"Y={y:g}", justify="right")
        for m in sorted({p.size_multiple for p in report.capacity}):
            first = grid[ys[0], m]
            capacity.add_row(
                f"{m:g}", format_value(first.max_participation, "pct"),
                *(format_value(grid[y, m].sharpe, "num") for y in ys),
            )
        console.print(capacity)
        for note in report.notes:
            console.print(f"note: {note}")
