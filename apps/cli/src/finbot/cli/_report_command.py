"""``finbot report RUN_ID``: the HTML tear sheet of a recorded run (ADR 0016)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finbot import app as services

from ._errors import errors_to_exit_codes
from ._options import PngOption, RegistryOption, VerboseOption


def report(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix of 6+ characters).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file to write (default report-RUN_ID.html)."),
    ] = None,
    png: PngOption = None,
    registry: RegistryOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Write the HTML tear sheet of a recorded run: equity vs buy and hold, risk, trades, costs."""
    with errors_to_exit_codes(verbose):
        services.check_report_path(output, option="--output")
        written = services.report_recorded(registry, run_id, output, png_dir=png)
        typer.echo("wrote " + ", ".join(str(p) for p in written))
