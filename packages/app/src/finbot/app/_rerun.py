"""The rerun use case: replay a recorded run from its record and pinned data on a wired engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finbot.contracts import Strategy, StrategySpec

from . import _wiring
from ._strategy_loader import load_strategy

if TYPE_CHECKING:
    from finbot.registry import Registry, RerunReport


def strategy_instance(spec: StrategySpec) -> Strategy:
    """A fresh strategy built from a stored spec (reference resolved, parameters validated)."""
    cls = load_strategy(spec.id, golden=_wiring.golden_strategies())
    return cls(cls.make_params(spec.params))


def rerun_recorded(registry: Registry, run_id: str, *, verbose: bool = False) -> RerunReport:
    """Rerun ``run_id`` from its record and snapshot alone, on the engine the record names.

    Returns:
        The registry's report: whether the new result is byte-identical, and what differs if not.

    Raises:
        RunNotFoundError: No such run. ConfigError: its engine is unknown or not installed.
    """
    return registry.rerun(
        run_id, lambda name: _wiring.make_engine(name, verbose=verbose), strategy_instance
    )
