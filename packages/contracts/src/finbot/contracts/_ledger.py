"""``Ledger``: a run's books (cash, positions, fills, commission) and its equity curve."""

from __future__ import annotations

from ._cost_breakdown import CostBreakdown
from ._costs import CostModel
from ._errors import EngineRunError
from ._feed import BarFeed
from ._fill_costs import FillCosts
from ._financing import Financing
from ._margin import AccountModel
from ._orders import Fill, OrderRequest, OrderType
from ._result import EquityCurve
from ._trades import FifoBook

# Positions closer to zero than this are flat.
_FLAT = 1e-12


class Ledger:
    """Cash and positions in the account currency, booked fill by fill; marked once per step."""

    __slots__ = (
        "_costs",
        "_fees",
        "_fill_costs",
        "cash",
        "curve",
        "fifo",
        "fills",
        "financing",
        "positions",
    )

    def __init__(
        self,
        starting_cash: float,
        costs: CostModel,
        fill_costs: FillCosts | None = None,
        account: AccountModel | None = None,
    ) -> None:
        self.cash = starting_cash
        self.positions: dict[str, float] = {}
        self.fills: list[Fill] = []
        # FIFO lots and closed trades, kept as fills arrive: the same matching the result uses.
        self.fifo = FifoBook()
        self._costs = costs
        self._fill_costs = fill_costs if fill_costs is not None else FillCosts(costs)
        self._fees: dict[tuple[float, float], float] = {}  # commission by (quantity, price)
        # Borrow and funding (docs/adr/0022); None when the account charges none.
        self.financing = None if account is None else Financing.of(account)
        # Four flat lists, not a list of points: no tuple per step for the GC to track.
        self.curve: tuple[list[int], list[float], list[float], list[float]] = ([], [], [], [])

    def commission(self, quantity: float, price: float) -> float:
        """``CostModel.commission(quantity, price)``, computed once per run for each pair."""
        key = (quantity, price)
        fee = self._fees.get(key)
        if fee is None:
            fee = self._fees[key] = self._costs.commission(quantity, price)
        return fee

    def make_fill(
        self, order_id: str, request: OrderRequest, quantity: float, price: float, ts_ns: int
    ) -> Fill:
        """The fill of ``quantity`` at ``price``: commission, and the price costs already in it.

        A market or stop fill's reference price is ``price / (1 + sign * total)``; the amount paid,
        ``|price - reference| * quantity``, is split over the kinds by their fractions.
        """
        fill_costs = self._fill_costs
        spread = slippage = impact = 0.0
        if fill_costs.any and request.order_type in (OrderType.MARKET, OrderType.STOP):
            costs = fill_costs.fractions(request.instrument_id, ts_ns, quantity)
            total = costs.total
            if total:
                reference = price / (1.0 + request.side.sign * total)
                paid = abs(price - reference) * quantity
                # f/total is exactly 1.0 for the only kind set: its amount is exactly ``paid``.
                spread = paid * (costs.spread / total) if costs.spread else 0.0
                slippage = paid * (costs.slippage / total) if costs.slippage else 0.0
                impact = paid * (costs.impact / total) if costs.impact else 0.0
        return Fill(
            order_id=order_id,
            instrument_id=request.instrument_id,
            side=request.side,
            quantity=quantity,
            price=price,
            commission=self.commission(quantity, price),
            slippage=slippage,
            ts_ns=ts_ns,
            spread=spread,
            impact=impact,
        )

    def cost_breakdown(self) -> CostBreakdown:
        """Each cost kind's total so far: the fills' kinds, and the financing charged."""
        financing = self.financing
        if financing is None:
            return CostBreakdown.of_fills(self.fills)
        return CostBreakdown.of_fills(
            self.fills, borrow=financing.borrow, funding=financing.funding
        )

    def book(self, fill: Fill) -> None:
        """Apply a fill to cash and the position."""
        iid = fill.instrument_id
        held = self.positions.get(iid, 0.0)
        signed = fill.signed_quantity
        new = held + signed
        self.cash -= signed * fill.price + fill.commission
        if abs(new) < _FLAT:
            self.positions.pop(iid, None)
        else:
            self.positions[iid] = new
        self.fills.append(fill)
        self.fifo.add(fill)

    # --- corporate actions (ActionBooks) ---------------------------------------------------
    def held(self, instrument_id: str) -> float:
        """The signed position in an instrument."""
        return self.positions.get(instrument_id, 0.0)

    def split(self, instrument_id: str, ratio: float) -> None:
        """A split: the position times ``ratio``, its lots' prices over it (equity unchanged)."""
        if instrument_id in self.positions:
            self.positions[instrument_id] *= ratio
            self.fifo.split(instrument_id, ratio)

    def credit(self, amount: float) -> None:
        """Cash in (a dividend received) or out (negative: one owed on a short)."""
        self.cash += amount

    def market_value(self, feed: BarFeed) -> tuple[float, float]:
        """Net and gross value of the positions at the latest closes seen."""
        net = gross = 0.0
        seen = feed.seen
        closes = feed.closes
        for iid, qty in self.positions.items():
            i = seen[iid]
            if not i:
                raise EngineRunError(f"position in {iid} before its first bar")
            value = qty * closes[iid][i - 1]
            net += value
            gross += abs(value)
        return net, gross

    def mark(self, ts_ns: int, feed: BarFeed) -> None:
        """Record one equity-curve point: cash, equity and gross exposure at ``ts_ns``.

        Financing due since the previous step's day is charged first.
        """
        if self.financing is not None:
            self.financing.accrue(self, ts_ns, feed)
        cash = self.cash
        net, gross = self.market_value(feed) if self.positions else (0.0, 0.0)
        ts, equity, cash_col, gross_col = self.curve
        ts.append(ts_ns)
        equity.append(cash + net)
        cash_col.append(cash)
        gross_col.append(gross)

    def equity_curve(self) -> EquityCurve:
        """The curve marked so far."""
        ts, equity, cash, gross = self.curve
        return EquityCurve(
            ts_ns=tuple(ts), equity=tuple(equity), cash=tuple(cash), gross_exposure=tuple(gross)
        )
