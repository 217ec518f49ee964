"""Errors described for people: pydantic's validation errors, and exceptions that stop a run.

An exception finbot did not raise on purpose (a bug in a user's strategy, most often) becomes an
``EngineRunError`` that names the strategy and, when it came from the strategy's own file, where.
"""

from __future__ import annotations

import inspect
import traceback

from pydantic import ValidationError

from finbot.contracts import EngineRunError, Strategy, describe_validation_problem


def validation_problems(exc: ValidationError) -> str:
    """One ``field: message`` per problem, joined by ``; `` (no pydantic URLs)."""
    return "; ".join(describe_validation_problem(err) for err in exc.errors())


def run_failure(
    exc: Exception, *, strategy_id: str, strategy_cls: type[Strategy], engine: str
) -> EngineRunError:
    """The ``EngineRunError`` to raise from ``exc``, which escaped a run of ``strategy_cls``."""
    if isinstance(exc, ValidationError):
        what = f"ValidationError: invalid {exc.title}: {validation_problems(exc)}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    frame = strategy_frame(exc, strategy_cls)
    if frame is None:
        return EngineRunError(
            f"engine '{engine}' failed running strategy '{strategy_id}' with an unexpected {what}"
        )
    return EngineRunError(
        f"strategy '{strategy_id}' raised an unexpected {what} "
        f"({frame.filename}, line {frame.lineno}, in {frame.name})"
    )


def strategy_frame(
    exc: BaseException, strategy_cls: type[Strategy]
) -> traceback.FrameSummary | None:
    """The innermost frame of ``exc``'s traceback in the strategy's own file, if it raised there."""
    return _innermost_frame_in(exc, _source_file(strategy_cls))


def _source_file(cls: type) -> str | None:
    try:
        return inspect.getsourcefile(cls)
    except TypeError:  # a class without a source file (built in, or made at run time)
        return None


def _innermost_frame_in(exc: BaseException, filename: str | None) -> traceback.FrameSummary | None:
    if filename is None:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return frames[-1] if frames else None
