"""Orders and execution: what a strategy asks for, how an order ends, and what filled."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    model_validator,
)


class OrderSide(StrEnum):
    """Direction of an order."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buys, -1 for sells."""
        return 1 if self is OrderSide.BUY else -1


class OrderType(StrEnum):
    """How an order's price is set."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    """How long an order stays working.

    On bar data an order first meets the market on its instrument's next bar. ``DAY`` works on
    that bar only and expires after it; ``IOC`` (immediate or cancel) fills what it can on that
    bar and the rest is canceled; ``FOK`` (fill or kill) fills whole on that bar or is canceled
    (docs/adr/0020).
    """

    GTC = "gtc"
    DAY = "day"
    IOC = "ioc"
    FOK = "fok"

    @property
    def is_immediate(self) -> bool:
        """True for IOC and FOK: the order lives for its first bar only."""
        return self in _IMMEDIATE


_IMMEDIATE = frozenset({TimeInForce.IOC, TimeInForce.FOK})


class OrderStatus(StrEnum):
    """Lifecycle state of an order."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        """True once the order can change no more."""
        return self in _FINAL


_FINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class OrderRequest(BaseModel):
    """What a strategy submits. Prices are in the instrument's currency per unit.

    Quantities and prices must be finite: an infinite order is refused when it is made.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    instrument_id: str
    side: OrderSide
    quantity: PositiveFloat
    order_type: OrderType = OrderType.MARKET
    limit_price: PositiveFloat | None = None
    stop_price: PositiveFloat | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    tag: str | None = Field(default=None, description="free label carried into the order record")

    @model_validator(mode="after")
    def _prices_match_type(self) -> OrderRequest:
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit != (self.limit_price is not None):
            raise ValueError(
                f"{self.order_type} order {'needs' if needs_limit else 'takes no'} limit_price"
            )
        if needs_stop != (self.stop_price is not None):
            raise ValueError(
                f"{self.order_type} order {'needs' if needs_stop else 'takes no'} stop_price"
            )
        return self

    def amended(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        """Order ``order_id`` with a new quantity or prices (None keeps a value), validated again.

        Returns:
            The changed request, or why the change does not fit the order (e.g. a limit price on
            a market order), naming the order.
        """
        changes = {
            k: v
            for k, v in (
                ("quantity", quantity),
                ("limit_price", limit_price),
                ("stop_price", stop_price),
            )
            if v is not None
        }
        if not changes:
            return self
        try:
            return OrderRequest.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            problems = (str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            return f"order {order_id} cannot be changed so: {'; '.join(problems)}"


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order's state after an event; ``order_id`` is assigned by the run, deterministically.

    ``oco_group`` is the id of the first order of the one-cancels-other group the order belongs
    to; ``parent_id`` is the order a bracket exit protects (the entry). None when unlinked.
    """

    order_id: str
    request: OrderRequest
    status: OrderStatus
    ts_ns: int
    submitted_ts_ns: int
    filled_quantity: float = 0.0
    avg_fill_price: float | None = None
    reason: str | None = None
    oco_group: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution; ``commission``, ``slippage``, ``spread`` and ``impact`` are amounts paid.

    Amounts are in the account currency; the last three are already in ``price``
    (``CostModel.price_costs``).

    ``ts_ns`` is the opening instant of the bar whose price filled the order, so engines that label
    time differently still agree on it.
    """

    order_id: str
    instrument_id: str
    side: OrderSide
    quantity: float
    price: float
    commission: float
    slippage: float
    ts_ns: int
    spread: float = 0.0
    impact: float = 0.0

    @property
    def signed_quantity(self) -> float:
        """Positive for buys, negative for sells."""
        return self.quantity * self.side.sign

    @property
    def notional(self) -> float:
        """Absolute traded value before costs."""
        return self.quantity * self.price
