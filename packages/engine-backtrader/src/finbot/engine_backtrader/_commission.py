"""A Backtrader commission scheme that charges exactly ``CostModel.commission``."""

from __future__ import annotations

from typing import Any

import backtrader as bt

from finbot.contracts import CostModel


class CostModelCommission(bt.CommInfoBase):  # type: ignore[misc]
    """Stock-like (full cash, no margin, no leverage) commission from the run's ``CostModel``.

    Backtrader's cash then moves by exactly what the runner books, so the two can be cross-checked.
    """

    params = (
        ("stocklike", True),
        ("commtype", bt.CommInfoBase.COMM_FIXED),
        ("percabs", True),
        ("cost_model", None),
    )

    def __init__(self) -> None:
        super().__init__()
        cost_model = self.p.cost_model
        if not isinstance(cost_model, CostModel):
            raise TypeError("CostModelCommission needs cost_model=CostModel(...)")
        self._commission = cost_model.commission

    def _getcommission(self, size: float, price: float, pseudoexec: Any) -> float:
        return self._commission(abs(size), price)


def commission_for(cost_model: CostModel) -> CostModelCommission:
    """The commission scheme of a run's cost model."""
    return CostModelCommission(cost_model=cost_model)  # type: ignore[call-arg]  # bt-made params
