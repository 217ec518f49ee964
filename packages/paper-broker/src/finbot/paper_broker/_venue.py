"""Where paper orders execute: the one simulated broker of ``finbot.contracts``, set up for paper.

Paper trading adds no fill rule of its own; it only chooses the broker's options (a cap on each
fill at a share of the bar's volume).
"""

from __future__ import annotations

import math

from finbot.contracts import Bar, RunConfig, StrategyRunner
from finbot.contracts.engine import BrokerEvent, SimulatedBroker, deliver

from ._config import PaperSettings

__all__ = ["BrokerEvent", "SimulatedBroker", "VolumeShare", "deliver", "make_venue"]


class VolumeShare:
    """A fill cap: at most ``share`` of the bar's volume, in whole units (picklable)."""

    __slots__ = ("share",)

    def __init__(self, share: float) -> None:
        self.share = share

    def __call__(self, bar: Bar, remaining: float) -> float:
        return float(math.floor(bar.volume * self.share + 1e-9))


def make_venue(
    runner: StrategyRunner, config: RunConfig, settings: PaperSettings
) -> SimulatedBroker:
    """The simulated broker a paper session sends its orders to."""
    return SimulatedBroker(
        runner.context,
        fill_policy=config.fill_policy,
        cost_model=config.cost_model,
        commission=runner.commission,
        account=config.account,
        fill_cap=VolumeShare(settings.volume_share) if settings.partial_fills else None,
        fill_costs=runner.fill_costs,
    )
