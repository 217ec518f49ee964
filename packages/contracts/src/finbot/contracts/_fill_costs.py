"""``FillCosts``: a run's price costs per fill, with the bar inputs volume-based models need.

The one place that turns a ``CostModel`` and the bars into a fill's price costs and volume cap;
the simulated broker, the Backtrader adapter and the ledger all ask it, so they cannot differ.
"""

from __future__ import annotations

import math
from bisect import bisect_left

from ._costs import CostModel, PriceCosts
from ._errors import ConfigError, EngineRunError
from ._feed import BarFeed
from ._orders import OrderSide

# A product such as 0.29 * 100 comes out a hair below the whole number it means.
_WHOLE_SLACK = 1e-9


class FillCosts:
    """The price costs of a fill of ``q`` units labelled with bar ``ts_ns`` of an instrument.

    It reads the run's ``BarFeed`` columns (a replay's whole data, or a stream's bars so far).
    With only fixed costs (slippage, spread) no bar is read. Volume-share slippage uses the fill
    bar's volume; square-root impact uses sigma (sample standard deviation of close-to-close
    returns) and ADV (mean volume) of the up to ``impact_window`` bars *before* the fill bar, so
    neither looks at the bar being traded. With fewer than two returns or no volume before the
    fill, the square-root impact is 0. A stream's fill bar is not in the feed yet when the broker
    prices it: the broker passes its volume, and the inputs are kept for the ledger's lookup.
    """

    __slots__ = ("_feed", "_fixed", "_stats", "model", "varies")

    def __init__(self, model: CostModel, feed: BarFeed | None = None) -> None:
        self.model = model
        self._fixed = model.price_costs()
        # Whether a fill's price costs depend on its quantity and bar (else they are _fixed).
        self.varies = bool(model.volume_impact or model.impact_y)
        if self.varies and feed is None:
            raise ConfigError(
                "volume-based costs (volume_impact, impact_y) need the run's bars; "
                "give FillCosts the run's feed"
            )
        self._feed = feed
        self._stats: dict[tuple[str, int], tuple[float, float | None, float | None]] = {}

    @property
    def any(self) -> bool:
        """Whether market and stop fills pay any price cost."""
        return self.varies or self._fixed.total != 0.0

    def fractions(
        self, instrument_id: str, ts_ns: int, quantity: float, volume: float | None = None
    ) -> PriceCosts:
        """Each kind's fraction of the reference price for this fill.

        ``volume`` is the fill bar's, needed only when that bar is not in the feed yet.
        """
        fixed = self._fixed
        if not self.varies:
            return fixed
        model = self.model
        volume, sigma, adv = self._bar_inputs(instrument_id, ts_ns, volume)
        slippage = fixed.slippage
        if model.volume_impact:
            share = min(quantity / volume, 1.0) if volume > 0.0 else 1.0
            slippage += model.volume_impact * share * share
        impact = 0.0
        if model.impact_y and sigma is not None and adv:
            impact = model.impact_y * sigma * math.sqrt(quantity / adv)
        return PriceCosts(spread=fixed.spread, slippage=slippage, impact=impact)

    def price(
        self,
        side: OrderSide,
        reference: float,
        instrument_id: str,
        ts_ns: int,
        quantity: float,
        volume: float | None = None,
    ) -> float:
        """The fill price of a market or stop fill whose price before costs is ``reference``."""
        total = self.fractions(instrument_id, ts_ns, quantity, volume).total
        if total == 0.0:
            return reference
        return reference * (1.0 + side.sign * total)

    def cap(self, volume: float, remaining: float) -> float:
        """How many of ``remaining`` units may fill on a bar of ``volume`` (whole units)."""
        limit = self.model.volume_limit
        if limit is None:
            return remaining
        return min(remaining, float(math.floor(limit * volume + _WHOLE_SLACK)))

    def _bar_inputs(
        self, iid: str, ts_ns: int, volume: float | None
    ) -> tuple[float, float | None, float | None]:
        """The fill bar's volume, and sigma and ADV of the bars before it (memoized per bar)."""
        key = (iid, ts_ns)
        known = self._stats.get(key)
        if known is not None:
            return known
        feed = self._feed
        assert feed is not None  # __init__ refused a varying model without one
        stamps = feed.stamps.get(iid)
        if stamps is None:
            raise EngineRunError(f"no bars of {iid} to price a fill's volume-based costs on")
        fields = feed.fields[iid]
        volumes, closes = fields["volume"], fields["close"]
        i = bisect_left(stamps, ts_ns)
        if i < len(stamps) and stamps[i] == ts_ns:
            volume = float(volumes[i])
        elif i != len(stamps) or volume is None:
            raise EngineRunError(f"a fill of {iid} is labelled {ts_ns}, which is no bar of it")
        first = max(0, i - self.model.impact_window)
        before = [volumes[j] for j in range(first, i)]
        adv = math.fsum(before) / len(before) if before else None
        returns = [closes[j] / closes[j - 1] - 1.0 for j in range(max(1, first), i)]
        sigma = None
        if len(returns) >= 2:
            mean = math.fsum(returns) / len(returns)
            sigma = math.sqrt(math.fsum((r - mean) ** 2 for r in returns) / (len(returns) - 1))
        found = self._stats[key] = (volume, sigma, adv)
        return found
