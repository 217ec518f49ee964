"""Helpers shared by the golden strategies: resolving the traded instrument."""

from __future__ import annotations

from collections.abc import Sequence

from finbot.contracts import ConfigError


def resolve_instrument(strategy_id: str, wanted: str | None, available: Sequence[str]) -> str:
    """``wanted`` if the run has it, else the run's first instrument when ``wanted`` is None."""
    if not available:
        raise ConfigError(f"strategy {strategy_id}: the run has no instruments")
    if wanted is None:
        return available[0]
    if wanted not in available:
        raise ConfigError(
            f"strategy {strategy_id}: parameter 'instrument' is {wanted!r}, which is not in the "
            f"data (instruments: {', '.join(available)})"
        )
    return wanted
