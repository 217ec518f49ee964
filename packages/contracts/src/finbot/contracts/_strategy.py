"""The strategy contract: written once against ``StrategyContext``, run unchanged on any engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from ._account import AccountState
from ._errors import ConfigError, describe_validation_problem
from ._market import Bar
from ._orders import Fill, OrderRequest, OrderSide, OrderUpdate, TimeInForce

PriceField = Literal["open", "high", "low", "close", "volume"]


class StrategyParams(BaseModel):
    """Base of a strategy's declared parameters: frozen, and unknown names are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StrategyContext(Protocol):
    """What a strategy sees and does during a run. Engines provide it; strategies never import one.

    Quantities are in instrument units; money in the account currency; ``fraction`` 0.5 is 50%.
    """

    @property
    def time_ns(self) -> int:
        """The current step's timestamp (bar open instant, UTC nanoseconds)."""
        ...

    @property
    def now(self) -> datetime:
        """The current step's timestamp as a UTC-aware datetime."""
        ...

    @property
    def instrument_ids(self) -> Sequence[str]:
        """Instruments in this run."""
        ...

    def bar(self, instrument_id: str) -> Bar | None:
        """The latest bar of an instrument at or before now, or None before its first bar."""
        ...

    def history(
        self, instrument_id: str, field: PriceField = "close", length: int | None = None
    ) -> Sequence[float]:
        """Up to ``length`` latest values of a field, oldest first, ending with the current bar."""
        ...

    def bar_count(self, instrument_id: str) -> int:
        """How many bars of an instrument have been seen so far."""
        ...

    def position(self, instrument_id: str) -> float:
        """Signed quantity held now."""
        ...

    def average_price(self, instrument_id: str) -> float | None:
        """Average entry price of the open position (its FIFO lots), or None when flat."""
        ...

    def unrealized_pnl(self, instrument_id: str) -> float:
        """Open position marked at the latest close, less its average entry cost (0.0 flat)."""
        ...

    def log(self, message: str) -> None:
        """Record a line, stamped with the current step, in the run's log."""
        ...

    def trailing_stop(
        self,
        instrument_id: str,
        quantity: float,
        *,
        side: OrderSide = OrderSide.SELL,
        amount: float | None = None,
        percent: float | None = None,
    ) -> str:
        """A stop ``amount`` (or ``percent``) away from the latest close, moved after each step.

        After every step the run tightens it to the new close's distance (in whole cents) by
        canceling the working stop and placing the new one; it never loosens. It ends when its
        stop fills or is canceled. Returns its handle (the first stop order's id).
        """
        ...

    def cancel_trailing_stop(self, handle: str) -> None:
        """Stop trailing and cancel the working stop order."""
        ...

    def set_timer(self, name: str, at_ns: int, *, every_ns: int | None = None) -> None:
        """Call ``on_timer(ctx, name)`` at the first step at or after ``at_ns``.

        Then every ``every_ns`` after that, if given (missed periods fire once). It runs before
        that step's ``on_bar``; setting a timer of the same name replaces it.
        """
        ...

    def cancel_timer(self, name: str) -> None:
        """Stop a timer (no effect when there is none of that name)."""
        ...

    @property
    def cash(self) -> float:
        """Cash now."""
        ...

    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest closes."""
        ...

    def account(self) -> AccountState:
        """Cash, equity, exposures and positions now, as one immutable snapshot."""
        ...

    def open_orders(self, instrument_id: str | None = None) -> Sequence[OrderUpdate]:
        """Orders not yet final, optionally for one instrument."""
        ...

    def submit_order(self, request: OrderRequest) -> str:
        """Submit an order; returns its id."""
        ...

    def submit_oco(self, requests: Sequence[OrderRequest]) -> list[str]:
        """Submit orders as one one-cancels-other group (e.g. a position's stop and target).

        Once one member fills, is canceled, expires or is rejected, the members still working
        are canceled in the same step, so a stop and a target never both fill (Backtrader's OCO
        semantics, on every engine). Returns their ids, in order.
        """
        ...

    def bracket(self, entry: OrderRequest, *, stop_loss: float, take_profit: float) -> str:
        """Submit ``entry``; once it has filled, protect it with a stop and a target as one OCO.

        The exits (the opposite side, the filled quantity, GTC, tagged ``bracket <entry id>``)
        are placed at the start of the step after the fill is reported, as if the strategy placed
        them there, so every engine executes them the same. Returns the entry's id.
        """
        ...

    def cancel_order(self, order_id: str) -> None:
        """Ask to cancel a working order (no effect once it is final)."""
        ...

    def modify_order(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> str | None:
        """Change a working order's quantity or prices; it works with them from the next bar.

        The order keeps its id, acceptance and OCO group; instrument, side, type and time in
        force stay. Only an order with nothing filled yet can change. Returns None when the
        change is taken, else why not (e.g. the order is final, partly filled, or the new
        prices do not fit its type).
        """
        ...

    def buy(
        self,
        instrument_id: str,
        quantity: float,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        tag: str | None = None,
    ) -> str:
        """Buy; the order type follows from which prices are given."""
        ...

    def sell(
        self,
        instrument_id: str,
        quantity: float,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        tag: str | None = None,
    ) -> str:
        """Sell; the order type follows from which prices are given."""
        ...

    def order_target_quantity(self, instrument_id: str, target: float) -> str | None:
        """Market order for the difference to ``target`` units; None when already there."""
        ...

    def order_target_percent(self, instrument_id: str, fraction: float) -> str | None:
        """Market order to hold ``fraction`` of equity, in whole lots at the latest close."""
        ...

    def close_position(self, instrument_id: str) -> str | None:
        """Market order to flatten a position; None when flat."""
        ...


class Strategy:
    """Base class of contract strategies. Override the hooks you need; all default to no-ops.

    A step is one timestamp; ``on_bar`` receives the bars stamped with it (instruments without a bar
    at that instant are absent). Fills and order updates priced at or before a step are delivered
    before that step's ``on_bar``.
    """

    strategy_id: ClassVar[str] = ""
    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(self, params: StrategyParams | Mapping[str, Any] | None = None) -> None:
        self.params = self.make_params(params)

    @classmethod
    def make_params(cls, params: StrategyParams | Mapping[str, Any] | None) -> StrategyParams:
        """Validate parameters against ``Params``; errors name the strategy and the field."""
        if isinstance(params, cls.Params):
            return params
        if isinstance(params, StrategyParams):
            params = params.model_dump()
        try:
            return cls.Params.model_validate(dict(params or {}))
        except ValidationError as exc:
            problems = "; ".join(_describe(err) for err in exc.errors())
            known = ", ".join(cls.Params.model_fields) or "none"
            name = cls.strategy_id or cls.__name__
            raise ConfigError(
                f"bad parameters for strategy {name}: {problems} (declared parameters: {known})"
            ) from None

    def warmup_bars(self) -> int:
        """Bars an instrument needs before this strategy can act on it (0: none declared).

        Runs only warn when the data is shorter; override it to state the strategy's look-back.
        """
        return 0

    def on_start(self, ctx: StrategyContext) -> None:
        """Called once before the first bar."""

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        """Called once per step with the bars of that step."""

    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        """Called when an order changes state."""

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        """Called for each execution."""

    def on_stop(self, ctx: StrategyContext) -> None:
        """Called once after the last bar."""

    def on_timer(self, ctx: StrategyContext, name: str) -> None:
        """Called when a timer set with ``ctx.set_timer`` is due, before that step's ``on_bar``."""

    def warmup_steps(self) -> int:
        """Steps at the start of a run that only build history: ``on_bar`` is not called on them.

        Declare it from the parameters (e.g. the longest lookback) instead of counting bars in
        ``on_bar``; equity is still marked on those steps.
        """
        return 0

    def on_save_state(self, ctx: StrategyContext) -> Mapping[str, Any]:
        """The strategy's own state for a checkpoint (JSON-like values); default: nothing."""
        return {}

    def on_load_state(self, ctx: StrategyContext, state: Mapping[str, Any]) -> None:
        """Restore what ``on_save_state`` returned, when a run resumes from a checkpoint."""



def _describe(err: Mapping[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        err = {**err, "msg": "unknown parameter"}
    return describe_validation_problem(err, quote_field=True)
