"""``finbot pilot evaluate``: measure the NautilusTrader pilot and write its report (finbot.app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from finbot.app import PilotSettings, check_output_dir, evaluate_pilot, write_pilot_report
from finbot.contracts import ConfigError

from ._errors import errors_to_exit_codes

pilot_app = typer.Typer(
    help="The NautilusTrader pilot: measure it against ADR 0026's go/no-go criteria.",
    no_args_is_help=True,
)

DEFAULT_SAMPLES = Path("../shared/data/backtrader-samples")


@pilot_app.command("evaluate")
def evaluate(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for pilot-report.md and pilot-report.html.")
    ] = Path("pilot-report"),
    samples: Annotated[
        Path,
        typer.Option(
            "--samples",
            help="Folder of orcl-1995-2014.txt, nvda-1999-2014.txt and yhoo-1996-2014.txt.",
        ),
    ] = DEFAULT_SAMPLES,
    bars: Annotated[
        int, typer.Option("--bars", help="Synthetic daily bars for throughput and memory.")
    ] = 25_200,
    repeat: Annotated[
        int,
        typer.Option("--repeat", help="Timed runs (throughput) and fresh processes (start-up)."),
    ] = 3,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask PyPI for nautilus_trader's releases.")
    ] = False,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="One case only, to check the command; the report then decides nothing."
        ),
    ] = False,
) -> None:
    """Run ADR 0026's measurements (fills, latency, features, costs) and apply its decision rule."""
    console = Console(stderr=True)
    with errors_to_exit_codes():
        check_output_dir(out, option="--out")
        if bars < 200 or repeat < 1:
            raise ConfigError(f"--bars must be >= 200 and --repeat >= 1 (got {bars}, {repeat})")
        settings = PilotSettings(
            samples=samples, bars=bars, repeat=repeat, online=not offline, quick=quick
        )
        report = evaluate_pilot(settings, progress=lambda m: console.print(f"[dim]{escape(m)}[/]"))
        md_path, html_path = write_pilot_report(report, out)
    table = Table(title=f"ADR 0026 criteria: decision {report.decision}")
    for column in ("", "criterion", "threshold", "measured", "verdict"):
        table.add_column(column)
    for c in report.criteria:
        table.add_row(c.code, escape(c.title), escape(c.threshold), escape(c.measured), c.verdict)
    Console(width=160).print(table)
    typer.echo(f"Decision (ADR 0026 rule): {report.decision}")
    typer.echo(f"Report: {md_path}\nReport: {html_path}")
