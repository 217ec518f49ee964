"""``finbot regimes RUN_ID``: a recorded run's metrics by market regime (``finbot.app``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from finbot.app import open_registry, run_regimes
from finbot.reports import format_value

from ._errors import errors_to_exit_codes
from ._options import JsonOption, RegistryOption


def regimes(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="trend (close vs its 200-session SMA), volatility (21-session terciles), "
            "crisis (named crisis windows) or labels (--labels FILE).",
        ),
    ] = "trend",
    labels: Annotated[
        Path | None, typer.Option("--labels", help="CSV with date,label columns (--by labels).")
    ] = None,
    instrument: Annotated[
        str | None,
        typer.Option("--instrument", help="Reference instrument for trend/volatility (default: "
                     "the first)."),
    ] = None,
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """Split a recorded run's daily returns by regime and show each regime's metrics."""
    with errors_to_exit_codes(), open_registry(registry) as reg:
        rows = run_regimes(
            reg, run_id, by, instrument=instrument, labels_file=labels if by == "labels" else None
        )
        if as_json:
            typer.echo(json.dumps([asdict(r) for r in rows], indent=2))
            return
        table = Table(title=f"run {run_id} by {by}")
        for column in ("regime", "days", "total return", "annual return", "annual vol",
                       "sharpe", "max drawdown"):
            table.add_column(column, justify="left" if column == "regime" else "right")
        for r in rows:
            table.add_row(
                r.label, str(r.days), format_value(r.total_return, "pct"),
                format_value(r.annual_return, "pct"), format_value(r.annual_volatility, "pct"),
                format_value(r.sharpe, "num"), format_value(r.max_drawdown, "pct"),
            )
        Console(width=120).print(table)
