"""Account state: cash, positions, equity and exposure at one instant, in the account currency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccountState:
    """A snapshot of the account; exposures are sums of position values at the latest closes.

    ``positions`` holds ``(instrument_id, signed quantity)`` pairs, sorted, for open positions.
    """

    ts_ns: int
    cash: float
    equity: float
    net_exposure: float
    gross_exposure: float
    positions: tuple[tuple[str, float], ...]

    @property
    def leverage(self) -> float:
        """Gross exposure as a fraction of equity (0.0 when equity is not positive)."""
        return self.gross_exposure / self.equity if self.equity > 0 else 0.0
