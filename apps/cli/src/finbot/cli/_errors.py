"""The one error policy of every ``finbot`` command: exceptions become a message and an exit code.

Exit codes: 0 success, 1 the run failed (or parity breached, or the registry failed), 2 the input
was wrong (bad option, config, parameter, strategy reference or data), 3 a rerun differs from its
record, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from finbot.app import describe_validation_error
from finbot.contracts import (
    ConfigError,
    DataValidationError,
    EngineRunError,
    FinbotError,
    StrategyLoadError,
)

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_RERUN_DIFFERS = 3
EXIT_INTERRUPTED = 130
# A breach is a failed check, like a failed run; CI gates on it.
EXIT_PARITY_BREACHED = EXIT_RUN_FAILED

_TRACEBACK_HINT = " (rerun with --verbose for the traceback)"
_USAGE_ERRORS = (ConfigError, StrategyLoadError, DataValidationError, ValidationError)


@contextlib.contextmanager
def errors_to_exit_codes(verbose: bool = False) -> Iterator[None]:
    """Turn an exception escaping the block into one ``error:`` paragraph and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except _USAGE_ERRORS as exc:
        _fail(_describe(exc), EXIT_USAGE, exc, verbose)
    except EngineRunError as exc:
        # A cause finbot did not raise (a strategy's bug, say) is worth its traceback.
        unexpected = exc.__cause__ is not None and not isinstance(exc.__cause__, FinbotError)
        hint = _TRACEBACK_HINT if unexpected and not verbose else ""
        _fail(f"run failed: {exc}{hint}", EXIT_RUN_FAILED, exc, verbose)
    except FinbotError as exc:  # e.g. the registry cannot be opened, or a record was altered
        _fail(str(exc), EXIT_RUN_FAILED, exc, verbose)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename}", EXIT_USAGE, exc, verbose)
    except KeyboardInterrupt as exc:
        _fail("interrupted", EXIT_INTERRUPTED, exc, verbose)
    except Exception as exc:
        hint = "" if verbose else _TRACEBACK_HINT
        _fail(
            f"run failed with an unexpected {type(exc).__name__}: {exc}{hint}",
            EXIT_RUN_FAILED,
            exc,
            verbose,
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc)
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
