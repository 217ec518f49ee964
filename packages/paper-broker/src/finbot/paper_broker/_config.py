"""The paper session's settings: risk limits and execution knobs, frozen and validated once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class InstrumentLimits(BaseModel):
    """Position limits for one instrument, overriding the session-wide ones (None: no limit)."""

    model_config = _FROZEN

    max_position_units: PositiveFloat | None = Field(
        default=None, description="largest absolute position, in units"
    )
    max_position_notional: PositiveFloat | None = Field(
        default=None, description="largest absolute position value, in account currency"
    )


class RiskLimits(BaseModel):
    """Pre-trade and running risk limits of a paper session; None switches a limit off.

    Position and exposure limits are checked against the book as if every working order and
    the new one filled, valued at the order's limit/stop price or the latest close.
    """

    model_config = _FROZEN

    max_position_units: PositiveFloat | None = Field(
        default=None, description="largest absolute position per instrument, in units"
    )
    max_position_notional: PositiveFloat | None = Field(
        default=None, description="largest absolute position value per instrument"
    )
    instruments: dict[str, InstrumentLimits] = Field(
        default_factory=dict, description="per-instrument overrides of the two limits above"
    )
    max_gross_exposure: PositiveFloat | None = Field(
        default=None, description="largest sum of absolute position values"
    )
    max_net_exposure: PositiveFloat | None = Field(
        default=None, description="largest absolute sum of signed position values"
    )
    max_order_notional: PositiveFloat | None = Field(
        default=None, description="largest value of one order"
    )
    max_orders_per_window: PositiveInt | None = Field(
        default=None, description="most orders accepted within rate_window_seconds"
    )
    rate_window_seconds: PositiveFloat = Field(
        default=60.0, description="the order rate limit's trailing window, session clock seconds"
    )
    drawdown_stop_pct: float | None = Field(
        default=None, gt=0, le=100, description="halt new entries at this % below peak equity"
    )
    flatten_on_drawdown: bool = Field(
        default=False, description="also cancel working orders and flatten at the drawdown stop"
    )

    def position_limits(self, instrument_id: str) -> tuple[float | None, float | None]:
        """(max units, max notional) for one instrument, its override first."""
        own = self.instruments.get(instrument_id)
        units = own.max_position_units if own and own.max_position_units else None
        notional = own.max_position_notional if own and own.max_position_notional else None
        return (units or self.max_position_units, notional or self.max_position_notional)


class PaperSettings(BaseModel):
    """How a paper session executes and persists; recorded with its result.

    ``volume_share`` caps each fill at that fraction of the bar's volume (1.0 with
    ``partial_fills`` off: orders fill whole, as in a backtest); the rest works on later bars.
    """

    model_config = _FROZEN

    risk: RiskLimits = Field(default_factory=RiskLimits)
    partial_fills: bool = Field(default=False, description="cap fills at a share of bar volume")
    volume_share: float = Field(
        default=0.1, gt=0, le=1, description="fraction of a bar's volume one order may take"
    )
    streamed: bool = Field(
        default=False,
        description="feed recorded data as a stream that never knows its last bar, as a live "
        "source would (orders on the final bar are routed, then canceled at the end)",
    )
    checkpoint_every: PositiveInt = Field(
        default=100, description="write a checkpoint after this many journaled events"
    )
    fsync: bool = Field(
        default=True,
        description="flush each checkpoint to disk; off, a checkpoint survives the process "
        "being killed but not the machine losing power",
    )
