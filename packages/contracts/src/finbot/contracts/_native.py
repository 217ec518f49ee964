"""Native execution settings: how an engine's own models decide fills (``nautilus-native``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# A year: far beyond any order latency, and within the engine's unsigned 64-bit nanoseconds.
MAX_LATENCY_MS = 366 * 86_400_000.0


class NativeAccount(StrEnum):
    """The venue account a native run trades on."""

    MARGIN = "margin"  # shorts allowed (100 % margin at leverage 1)
    CASH = "cash"  # no shorts


class NativeLiquidity(StrEnum):
    """What a bar offers to fill against in a native run."""

    BAR_VOLUME = "bar_volume"  # the bar's own volume: a larger order fills partly worse
    UNLIMITED = "unlimited"  # as replica mode: nothing fills partly or a tick worse


class NativeExecution(BaseModel):
    """Settings of the engine's own execution models; every one of them can move results.

    Only engines that let their own models decide fills honour them (today ``nautilus-native``,
    ADR 0025); finbot refuses them for any other engine rather than ignore them. ``seed`` of the
    run config seeds the random fill model.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: float = Field(
        default=0.0,
        ge=0.0,
        le=MAX_LATENCY_MS,
        allow_inf_nan=False,
        description="latency of every order message between strategy and venue, milliseconds",
    )
    prob_fill_on_limit: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="chance a limit order fills when the market only touches its price",
    )
    prob_slippage: float = Field(
        default=0.0, ge=0.0, le=1.0, description="chance a market-type fill slips by one tick"
    )
    account: NativeAccount = Field(
        default=NativeAccount.MARGIN, description="margin (shorts) or cash"
    )
    liquidity: NativeLiquidity = Field(
        default=NativeLiquidity.BAR_VOLUME, description="what a bar offers to fill against"
    )
    risk_engine: bool = Field(
        default=True, description="the engine's pre-trade risk checks run on every order"
    )

    def describe(self) -> str:
        """One line for run summaries."""
        return (
            f"latency {self.latency_ms:g} ms, fill on touch {self.prob_fill_on_limit:g}, "
            f"slippage {self.prob_slippage:g}, {self.account} account, liquidity "
            f"{self.liquidity.replace('_', ' ')}, risk engine {'on' if self.risk_engine else 'off'}"
        )
