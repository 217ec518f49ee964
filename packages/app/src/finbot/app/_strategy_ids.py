"""The id a strategy class declares (``strategy_id``), for finding runs of a file strategy by it.

A run of ``my/breakout.py:Breakout`` is recorded under that reference; ``runs list --strategy
breakout`` should find it when the class says ``strategy_id = "breakout"``.
"""

from __future__ import annotations

from functools import cache

from finbot.contracts import FinbotError

from ._strategy_loader import load_strategy


@cache
def declared_strategy_id(reference: str) -> str | None:
    """The ``strategy_id`` the class at ``reference`` declares.

    None for a golden name, a class that declares none, or a reference that no longer loads (a
    moved or broken file).
    """
    if ":" not in reference:
        return None
    try:
        cls = load_strategy(reference)
    except (FinbotError, OSError, ImportError, SyntaxError):
        return None
    return cls.strategy_id or None


def runs_strategy(reference: str, wanted: str) -> bool:
    """Whether a run recorded under ``reference`` is a run of strategy ``wanted``."""
    return reference == wanted or declared_strategy_id(reference) == wanted
