"""A Nautilus fee model that charges exactly the run's commission of the contract's fill."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_trader.backtest.models import FeeModel
from nautilus_trader.model.objects import Money


class CostModelFee(FeeModel):  # type: ignore[misc]
    """Commission per fill from the run's cost model, in the instrument's quote currency.

    ``commission`` is the runner's ``StrategyRunner.commission`` (the run's ``CostModel``), so
    Nautilus charges the number the runner books. ``contract_price`` maps the Nautilus order
    being filled to the contract price the adapter expects it to fill at: Nautilus's ``Price``
    is that price rounded to the instrument's precision, and the commission must be computed on
    the same number the runner books. ``fee_free`` names orders that are no trade (those that
    carry out a split) and pay nothing.
    """

    def __init__(
        self,
        commission: Callable[[float, float], float],
        contract_price: Callable[[Any, float], float],
        fee_free: Callable[[Any], bool] = lambda order: False,
    ):
        super().__init__()
        self._commission = commission
        self._contract_price = contract_price
        self._fee_free = fee_free

    def get_commission(self, order: Any, fill_qty: Any, fill_px: Any, instrument: Any) -> Money:
        currency = instrument.quote_currency
        if self._fee_free(order):  # an order that carries out a split is no trade
            return Money(0, currency)
        price = self._contract_price(order, fill_px.as_double())
        fee = self._commission(fill_qty.as_double(), price)
        # Already rounded to cents by the contract; the string keeps Money from re-rounding a
        # float such as 1.005 down (Money(float) rounds the binary value; ADR 0007).
        return Money.from_str(f"{fee:.{currency.precision}f} {currency.code}")
