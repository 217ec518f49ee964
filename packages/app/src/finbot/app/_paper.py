"""The paper-trading use cases: start a session, resume it, trip or reset its kill switch.

A session lives in a directory (journal, checkpoint, ``session.json``, the result when it ends);
``finbot.paper_broker`` runs it, these functions wire it to the run preparation every entry point
shares. The paper broker is imported only when a paper use case runs.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from finbot.contracts import ConfigError, RunConfig

from ._backtest import PreparedRun, prepare_run, run_errors, write_result
from ._failures import validation_problems

if TYPE_CHECKING:
    from finbot.paper_broker import PaperSettings, SessionListener, SessionOutcome

RESULT_DIR = "result"


def make_paper_settings(
    *, risk_file: str | Path | None = None, risk: Mapping[str, Any] | None = None, **values: Any
) -> PaperSettings:
    """Validated paper settings: ``values`` (None means default) and the risk limits.

    Args:
        risk_file: A JSON or TOML file of ``RiskLimits`` fields (per-instrument limits too).
        risk: Risk limit fields that override the file's (None values are ignored).
        values: Other ``PaperSettings`` fields.

    Raises:
        ConfigError: The file is unreadable or a value is invalid; the message names the field.
    """
    from finbot.paper_broker import PaperSettings

    limits: dict[str, Any] = _read_risk_file(Path(risk_file)) if risk_file else {}
    limits.update({k: v for k, v in (risk or {}).items() if v is not None})
    payload = {k: v for k, v in values.items() if v is not None}
    try:
        return PaperSettings.model_validate({**payload, "risk": limits})
    except ValidationError as exc:
        raise ConfigError(f"invalid paper settings: {validation_problems(exc)}") from exc


def _read_risk_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
        loaded = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"risk limits file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"risk limits file {path} is not valid JSON or TOML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"risk limits file {path} must hold a table of limits")
    return loaded


def start_paper(
    config: RunConfig,
    settings: PaperSettings,
    directory: str | Path,
    *,
    listener: SessionListener | None = None,
    speed: float | None = None,
    handle_signals: bool = False,
) -> SessionOutcome:
    """Start a new paper session in ``directory`` and run it until its feed ends or it stops.

    Args:
        config: What to run; its engine is set to ``paper``.
        settings: Risk limits, partial fills and checkpointing of the session.
        directory: Where the session keeps its files; must not hold a session already.
        listener: Sees each journaled event (the CLI prints them).
        speed: Session time per wall time (e.g. 86400: a day a second); None as fast as possible.
        handle_signals: Install the SIGTERM (kill switch) and SIGINT (stop) handlers.

    Raises:
        ConfigError: ``directory`` already holds a session, or the config is invalid.
        EngineRunError: The strategy raised.
    """
    from finbot.paper_broker import JOURNAL_FILE, write_session_file

    where = Path(directory)
    if (where / JOURNAL_FILE).exists():
        raise ConfigError(
            f"{where} already holds a paper session; resume it with "
            f"`finbot paper resume --session {where}` or choose another directory"
        )
    prepared = prepare_run(config.model_copy(update={"engine": "paper"}))
    where.mkdir(parents=True, exist_ok=True)
    write_session_file(where, prepared.config, settings)
    return _run(where, prepared, settings, listener, speed, handle_signals)


def resume_paper(
    directory: str | Path,
    *,
    listener: SessionListener | None = None,
    speed: float | None = None,
    handle_signals: bool = False,
) -> SessionOutcome:
    """Resume the paper session in ``directory`` from its last checkpoint and run it on.

    Raises:
        ConfigError: No session there, or its data changed since it started.
        CheckpointError: The session has finished, or its checkpoint is damaged.
        JournalError: The replay from the checkpoint differs from the journal.
    """
    from finbot.paper_broker import read_session_file

    where = Path(directory)
    config, settings = read_session_file(where)
    return _run(where, prepare_run(config), settings, listener, speed, handle_signals)


def kill_paper(directory: str | Path) -> Path:
    """Trip the kill switch of the session in ``directory``; returns the flag file written.

    Raises:
        ConfigError: No session there.
    """
    from finbot.paper_broker import request_kill

    return request_kill(_session_dir(directory))


def reset_paper(directory: str | Path) -> Path:
    """Ask the session in ``directory`` to reset its kill switch and drawdown halt.

    Raises:
        ConfigError: No session there.
    """
    from finbot.paper_broker import request_reset

    return request_reset(_session_dir(directory))


def _session_dir(directory: str | Path) -> Path:
    from finbot.paper_broker import read_session_file

    where = Path(directory)
    read_session_file(where)  # names the problem when there is no session
    return where


def _run(
    directory: Path,
    prepared: PreparedRun,
    settings: PaperSettings,
    listener: SessionListener | None,
    speed: float | None,
    handle_signals: bool,
) -> SessionOutcome:
    from finbot.contracts.engine import WallClock
    from finbot.paper_broker import PaperSession

    session = PaperSession.open(
        directory,
        config=prepared.config,
        settings=settings,
        strategy=prepared.new_strategy(),
        data=prepared.data,
        listener=listener,
        clock=WallClock(speed) if speed else None,
    )
    try:
        with run_errors(prepared, "paper"):
            outcome = session.run(handle_signals=handle_signals)
    finally:
        session.close()
    if outcome.result is not None:
        write_result(outcome.result, directory / RESULT_DIR)
    return outcome
