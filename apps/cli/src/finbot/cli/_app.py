"""The ``finbot`` command line (typer): parses options, calls the Python API, reports errors.

Exit codes: 0 success, 1 the run failed, 2 the input was wrong (bad option, config, parameter,
strategy reference or data). Errors print one paragraph on stderr; ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from finbot.contracts import (
    ConfigError,
    DataValidationError,
    FillPolicy,
    FinbotError,
    StrategyLoadError,
)

from . import _api, _wiring
from ._params import parse_params
from ._parity_command import parity
from ._render import print_summary, summary_payload
from ._runs_commands import recording, runs_app

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_USAGE_ERRORS = (ConfigError, StrategyLoadError, DataValidationError, ValidationError)

app = typer.Typer(
    name="finbot",
    help="Backtest trading strategies on Backtrader or NautilusTrader with one strategy API.",
    no_args_is_help=True,
    add_completion=False,
    # Our own handler prints errors; typer's rich tracebacks would dump locals instead.
    pretty_exceptions_enable=False,
)


app.add_typer(runs_app, name="runs")
app.command("parity")(parity)


@app.callback()
def _root() -> None:
    """Backtest trading strategies on Backtrader or NautilusTrader with one strategy API."""


@app.command()
def backtest(
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
        FillPolicy,
        typer.Option(
            case_sensitive=False,
            help="When a market order fills: next bar's open, or this bar's close.",
        ),
    ] = FillPolicy.NEXT_OPEN,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Strategy parameter key=value (repeatable); the value is read as JSON "
            "when it parses (10, 0.5, true, [1,2]), else as text.",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help=f"Engine: {', '.join(_wiring.engine_names())} (default {_wiring.DEFAULT_ENGINE})."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Directory to write the result (JSON + Parquet)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print a machine-readable JSON summary on stdout only."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks and engine logs.")
    ] = False,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            envvar="FINBOT_REGISTRY",
            help="Registry that records the run: directory, sqlite:/// or postgresql:// URL "
            "(default ./.finbot).",
        ),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the run in the registry.")
    ] = True,
) -> None:
    """Run one backtest and print its summary (default: golden strategy 1 on the embedded data)."""
    with _errors_to_exit_codes(verbose):
        config = _api.make_config(
            strategy=strategy,
            params=parse_params(param or ()),
            data=tuple(data or ()),
            start=start.date() if start else None,
            end=end.date() if end else None,
            cash=cash,
            commission_bps=commission,
            commission_per_share=commission_per_share,
            slippage_bps=slippage_bps,
            fill_policy=fill_policy,
            engine=engine,
        )
        began = time.perf_counter()
        # In --json mode stdout carries the JSON document only; engine chatter goes to stderr.
        quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
        with quiet, recording(config, registry, record) as recorder:
            result = _api.run_backtest(config, verbose=verbose)
        elapsed = time.perf_counter() - began
        run_id = recorder.finished(result)
        files = _written_files(_api.write_result(result, output)) if output else None
        if as_json:
            typer.echo(json.dumps(summary_payload(result, output_files=files), indent=2))
        else:
            print_summary(Console(), result, output_files=files)
        if run_id is not None:
            typer.echo(f"recorded run {run_id}", err=as_json)
        if verbose:
            Console(stderr=True).print(f"run took {elapsed:.2f} s", highlight=False)


def _written_files(written: object) -> list[str]:
    # finbot.data.write_result returns the paths it wrote (a mapping or a sequence of paths).
    if isinstance(written, dict):
        return [str(p) for p in written.values()]
    if isinstance(written, list | tuple):
        return [str(p) for p in written]
    return [str(written)] if written is not None else []


@contextlib.contextmanager
def _errors_to_exit_codes(verbose: bool) -> Iterator[None]:
    try:
        yield
    except typer.Exit:
        raise
    except _USAGE_ERRORS as exc:
        _fail(_describe(exc), EXIT_USAGE, exc, verbose)
    except FinbotError as exc:
        _fail(f"run failed: {exc}", EXIT_RUN_FAILED, exc, verbose)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename}", EXIT_USAGE, exc, verbose)
    except KeyboardInterrupt as exc:
        _fail("interrupted", EXIT_INTERRUPTED, exc, verbose)
    except Exception as exc:
        hint = "" if verbose else " (rerun with --verbose for the traceback)"
        _fail(
            f"run failed with an unexpected {type(exc).__name__}: {exc}{hint}",
            EXIT_RUN_FAILED,
            exc,
            verbose,
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return _api.describe_validation_error(exc)
    if isinstance(exc, DataValidationError):
        return f"invalid data: {exc}"
    if isinstance(exc, StrategyLoadError):
        return f"cannot load strategy: {exc}"
    return str(exc)


def _fail(message: str, code: int, exc: BaseException, verbose: bool) -> NoReturn:
    err = Console(stderr=True, soft_wrap=True)
    if verbose:
        err.print(escape("".join(traceback.format_exception(exc))), highlight=False)
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def main() -> None:
    """Entry point of the ``finbot`` console script."""
    app(prog_name="finbot")
