"""Splits and cash dividends mirrored into Nautilus's account (the replica path, docs/adr/0023).

Nautilus has no split event for positions and no dividend event for a cash account. The runner
applies the run's actions to its books (``ActionSchedule``); at the end of each step this mirror
brings Nautilus's account to the same place: a dividend is an account adjustment (the same call
Nautilus's FX rollover module uses), a split is a fee-free order for the shares it adds (or
removes), at the step's close, with its notional credited back, so the position changes and the
balance does not.
"""

from __future__ import annotations

from typing import Any

from nautilus_trader.backtest.config import SimulationModuleConfig
from nautilus_trader.backtest.modules import SimulationModule
from nautilus_trader.model.objects import Money


class AccountModule(SimulationModule):  # type: ignore[misc]
    """A do-nothing simulation module whose only job is to hand the adapter the venue."""

    def __init__(self) -> None:
        super().__init__(SimulationModuleConfig())

    def process(self, ts_now: int) -> None:
        """Nothing to simulate per tick."""

    def log_diagnostics(self, logger: Any) -> None:
        """Nothing to report."""

    def reset(self) -> None:
        """Nothing to reset."""

    def adjust(self, amount: float, currency: Any) -> None:
        """Credit (debit, when negative) the venue account in whole units of ``currency``."""
        cents = f"{amount:.{currency.precision}f}"
        if float(cents):
            self.exchange.adjust_account(Money.from_str(f"{cents} {currency.code}"))
