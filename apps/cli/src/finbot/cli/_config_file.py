"""``--config run.toml``: any run option read from a TOML file; the command line still wins.

The file's keys are the options' names (``commission_per_share`` or ``commission-per-share``);
``params`` is a table of strategy parameters. It becomes click's ``default_map``, so a value given
on the command line overrides the file's.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from finbot.contracts import ConfigError

# Option names that are not run settings and so are refused in a file.
_NOT_IN_FILE = frozenset({"config_file", "as_json", "help", "version"})


def _default_value(key: str, value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def _params(path: Path, table: Any) -> list[str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'params' must be a table of strategy parameters")
    return [f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in table.items()]


def read_run_file(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """The ``default_map`` a TOML run file gives a command with these ``options``.

    Raises:
        ConfigError: The file is missing, not TOML, or has a key the command does not take; the
            message names the file and the key.
    """
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config {path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: not valid TOML: {exc}") from None
    defaults: dict[str, Any] = {}
    for raw_key, value in doc.items():
        key = raw_key.replace("-", "_")
        if key == "params":
            defaults["param"] = _params(path, value)
            continue
        if key == "tags":
            key = "tag"
        if key not in options or key in _NOT_IN_FILE:
            known = ", ".join(sorted({*options, "params"} - _NOT_IN_FILE - {"param"}))
            raise ConfigError(f"--config {path}: unknown key '{raw_key}' (known: {known})")
        param = options[key]
        if getattr(param, "multiple", False) and not isinstance(value, list):
            value = [value]
        defaults[key] = _default_value(key, value)
    return defaults


def _load(ctx: typer.Context, _param: typer.CallbackParam, value: Path | None) -> Path | None:
    if value is None:
        return None
    options = {p.name: p for p in ctx.command.params if p.name}
    try:
        ctx.default_map = {**(ctx.default_map or {}), **read_run_file(value, options)}
    except ConfigError as exc:
        # Raised while click parses, before the command's own error handler: report it the same.
        problem = str(exc).removeprefix(f"--config {value}: ")
        raise typer.BadParameter(f"{value}: {problem}", ctx, param_hint="--config") from None
    return value


ConfigFileOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        is_eager=True,
        callback=_load,
        help="Read any of these options from a TOML file (keys as option names; a [params] "
        "table for strategy parameters); options on the command line win.",
    ),
]
