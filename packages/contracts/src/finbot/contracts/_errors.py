"""Errors finbot raises on bad input or failed runs, each naming what was wrong and where."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FinbotError(Exception):
    """Base of every error finbot raises on purpose; the CLI prints these without a traceback."""


class DataValidationError(FinbotError, ValueError):
    """Market data broke a rule; names the source, the row (as the source counts it) and field.

    File loaders pass the 1-based line number in the file (the header is line 1); in-memory data
    passes the 1-based position of the bar.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.reason = message
        where = [
            part
            for part in (
                source,
                f"row {row}" if row is not None else None,
                f"field '{field}'" if field is not None else None,
            )
            if part
        ]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ConfigError(FinbotError, ValueError):
    """A run configuration or strategy parameter is invalid."""


class StrategyLoadError(FinbotError):
    """A strategy reference could not be resolved to a contract strategy class."""


class EngineRunError(FinbotError, RuntimeError):
    """An engine finished, or stopped, in a state finbot must not report as a valid result."""


class ResultSchemaError(FinbotError, ValueError):
    """A stored result cannot be read as any known version of the result schema."""


def describe_validation_problem(err: Mapping[str, Any], *, quote_field: bool = False) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as users read it.

    ``field: message``, or the message alone for model-level checks, which name no field.
    """
    # pydantic prefixes messages raised by validators with "Value error, "; users need only the rest
    message = str(err["msg"]).removeprefix("Value error, ")
    location = ".".join(str(part) for part in err["loc"])
    if not location:
        return message
    return f"'{location}': {message}" if quote_field else f"{location}: {message}"
