"""``SimulatedBroker``: working orders executed on bars by ADR 0003's rules, engine-free.

The one home of the execution model: acceptance with Backtrader's cash check, expiry, fills by
``_fill_rules``, slippage and commission from the ``CostModel``, the cash (or margin) check at the
fill. The ``sim`` engine, the Nautilus replica path, the paper broker and the test fakes all drive
it; nothing else decides when and at what price an order fills.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ._account import AccountState
from ._broker_events import BrokerEvent, BrokerEventKind
from ._costs import CostModel, FillPolicy
from ._fill_costs import FillCosts
from ._fill_rules import bar_fill, created_price
from ._margin import INSUFFICIENT_CASH, AccountModel, Holdings, MarginRule
from ._market import Bar
from ._orders import OrderRequest, OrderSide, OrderType, TimeInForce

_EPS = 1e-9


class BrokerView(Protocol):
    """What the broker reads of the run: the books and the bars seen *before* the step it works.

    ``finbot.contracts.RunContext`` (a strategy's ``ctx``) is one.
    """

    @property
    def time_ns(self) -> int:
        """The latest step the strategy saw (UTC nanoseconds)."""
        ...

    @property
    def instrument_ids(self) -> Sequence[str]:
        """Instruments the run trades."""
        ...

    @property
    def cash(self) -> float:
        """Cash on the books."""
        ...

    def position(self, instrument_id: str) -> float:
        """Signed quantity held."""
        ...

    def bar(self, instrument_id: str) -> Bar | None:
        """The instrument's latest bar seen, or None before its first."""
        ...

    def bar_count(self, instrument_id: str) -> int:
        """How many of the instrument's bars have been seen."""
        ...

    def account(self) -> AccountState:
        """Cash, equity, exposures and positions as one snapshot."""
        ...


FillCap = Callable[[Bar, float], float]
"""The most of ``remaining`` units that may fill on a bar (e.g. a share of its volume)."""


@dataclass(slots=True)
class _Working:
    order_id: str
    request: OrderRequest
    created_close: float  # close of the instrument's bar when placed: the price cash is checked at
    created_ts: int  # that bar's ts_ns: the label of a this-close fill
    created_count: int  # the instrument's bars seen when placed (DAY expiry counts from here)
    remaining: float
    triggered: bool = False
    filled_on: int | None = None  # label of its latest fill: that bar's volume is spent


class SimulatedBroker:
    """Executes orders on bar data the way Backtrader's broker does (docs/adr/0003).

    Drive it per step ``k``, *before* the strategy sees step ``k``: ``poll(ts_k, bars_k)`` accepts
    the orders placed since the last step (cash checked at each one's created price, cumulatively),
    then works every order in placement order: DAY expiry, the fill on the step's bar (or at the
    creation close under ``this_close``), the cash or margin check at the fill price. It returns the
    events in that order; hand them to the run with :func:`deliver`. Orders and cancels arrive
    through :meth:`submit` and :meth:`cancel` while the strategy runs.

    Args:
        view: the run's books and the bars seen so far (a ``RunContext``).
        fill_policy: when market orders fill.
        cost_model: slippage of market and stop fills; commission via ``commission``.
        commission: fee of a fill (defaults to ``cost_model.commission``; adapters pass the
            runner's memo so the decimal arithmetic runs once per (quantity, price)).
        account: the run's account (``RunConfig.account``; default a cash account): which
            fills its :class:`MarginRule` refuses, and how new orders are accepted (docs/adr/0022).
        fill_cap: limits how much fills per bar (default: everything; ``this_close`` market fills
            are never capped); the rest keeps working on later bars.
        report_unfilled: also emit ``UNFILLED`` events for orders judged on a bar without a fill.
        fill_costs: the run's price costs and volume cap (``runner.fill_costs``); by default the
            cost model's fixed ones (no volume-based model: those need the run's bars).
    """

    def __init__(
        self,
        view: BrokerView,
        *,
        fill_policy: FillPolicy,
        cost_model: CostModel,
        commission: Callable[[float, float], float] | None = None,
        account: AccountModel | None = None,
        fill_cap: FillCap | None = None,
        report_unfilled: bool = False,
        fill_costs: FillCosts | None = None,
    ) -> None:
        self.view = view
        self.this_close = fill_policy is FillPolicy.THIS_CLOSE
        self.cost_model = cost_model
        self.commission = commission or cost_model.commission
        self.account_model = account or AccountModel()
        self.rule = MarginRule(self.account_model)
        self.fill_cap = fill_cap
        self.report_unfilled = report_unfilled
        self._instruments = frozenset(view.instrument_ids)
        self.fill_costs = fill_costs if fill_costs is not None else FillCosts(cost_model)
        self._slip = self.fill_costs.any
        self._volume_cap = cost_model.volume_limit is not None
        self._new: list[_Working] = []
        self._working: dict[str, _Working] = {}
        self._pending: list[BrokerEvent] = []
        # One-cancels-other groups: order id -> its group's leader id, leader id -> member ids.
        self._group_of: dict[str, str] = {}
        self._groups: dict[str, list[str]] = {}

    # --- order entry (while the strategy runs) ---------------------------------------------
    def refusal(self, request: OrderRequest) -> str | None:
        """Why an order is refused on the spot, or None (unknown instrument, no bar seen yet)."""
        iid = request.instrument_id
        if iid not in self._instruments:
            return f"instrument {iid!r} has no bars in this run"
        if self.view.bar_count(iid) == 0:
            return "orders cannot be placed before the instrument's first bar"
        return None

    def submit(self, order_id: str, request: OrderRequest, *, oco: str | None = None) -> str | None:
        """Take a new order, to be accepted or rejected on the next :meth:`poll`.

        ``oco`` puts it in the one-cancels-other group led by that order id (the leader passes its
        own id): once any member fills, is canceled, expires or is rejected, the members then
        working are canceled (Backtrader's OCO, members placed on one step).

        Returns:
            Why it is refused on the spot (the caller reports the rejection now), or None.
        """
        why = self.refusal(request)
        if why is not None:
            return why
        if oco is not None:
            self._group_of[order_id] = oco
            self._groups.setdefault(oco, []).append(order_id)
        view = self.view
        iid = request.instrument_id
        last = view.bar(iid)
        assert last is not None  # refusal() saw a bar
        self._new.append(
            _Working(
                order_id, request, last.close, last.ts_ns, view.bar_count(iid), request.quantity
            )
        )
        return None

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        """Change the quantity or prices of an order not yet filled in part.

        The change applies from the next poll; instrument, side, type and time in force stay.

        Returns:
            The order's new request, or why the change is refused.
        """
        o = self._working.get(order_id) or next(
            (w for w in self._new if w.order_id == order_id), None
        )
        if o is None:
            return f"order {order_id} is not working"
        r = o.request
        if o.remaining != r.quantity:
            return f"order {order_id} is partly filled; cancel it and place a new one"
        new = r.amended(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        if isinstance(new, str):
            return new
        o.request = new
        o.remaining = new.quantity
        return new

    def cancel(self, order_id: str) -> bool:
        """Cancel an accepted working order; reported (at the asking step) by the next poll.

        Like Backtrader's broker, an order placed since the last poll is not accepted yet and
        the request is ignored.

        Returns:
            Whether the order was working and is now canceled.
        """
        if self._working.pop(order_id, None) is None:
            return False
        self._pending.append(BrokerEvent(BrokerEventKind.CANCELED, order_id, self.view.time_ns))
        if self._group_of:
            self._end_group(order_id, self._pending)
        return True

    def _end_group(self, order_id: str, events: list[BrokerEvent]) -> None:
        """An order left: cancel the other working members of its OCO group, dissolve it."""
        leader = self._group_of.pop(order_id, None)
        if leader is None:
            return
        members = self._groups.pop(leader, [])
        # Backtrader cancels them walking its pending queue from the back.
        for member in reversed(members):
            self._group_of.pop(member, None)
            if member != order_id and self._working.pop(member, None) is not None:
                events.append(BrokerEvent(BrokerEventKind.CANCELED, member, self.view.time_ns))

    @property
    def busy(self) -> bool:
        """True when a poll has anything to do (orders to accept or work, events to report)."""
        return bool(self._new or self._working or self._pending)

    def working_orders(self) -> Mapping[str, OrderRequest]:
        """Accepted orders still working, by id, in placement order."""
        return {oid: w.request for oid, w in self._working.items()}

    def account(self) -> AccountState:
        """The books the broker checks against."""
        return self.view.account()

    # --- per step ---------------------------------------------------------------------------
    def drain(self) -> list[BrokerEvent]:
        """Events waiting without working a step (cancels asked for at the end of the data)."""
        # Emptied in place: a driving loop may hold the queues (see Simulation.run).
        events = self._pending.copy()
        self._pending.clear()
        return events

    def poll(self, ts_ns: int, bars: Mapping[str, Bar]) -> list[BrokerEvent]:
        """Work step ``ts_ns`` whose bars are ``bars``; the events, in the order they happened."""
        events = self.drain()
        if self._new:
            self._accept(ts_ns, events)
        if self._working:
            self._work(ts_ns, bars, events)
        return events

    def _accept(self, ts_ns: int, events: list[BrokerEvent]) -> None:
        if self.account_model.margin:
            verdicts = self.rule.accept(
                [(o.request, created_price(o.request, o.created_close)) for o in self._new],
                self.view.cash,
                self.view.position,
                self._close,
                self.view.instrument_ids,
                self.commission,
            )
        else:
            verdicts = self._cash_verdicts()
        for o, why in zip(self._new, verdicts, strict=True):
            if why is None:
                self._working[o.order_id] = o
                events.append(BrokerEvent(BrokerEventKind.ACCEPTED, o.order_id, ts_ns))
            else:
                events.append(BrokerEvent(BrokerEventKind.REJECTED, o.order_id, ts_ns, why))
                if self._group_of:
                    self._end_group(o.order_id, events)
        self._new.clear()

    def _cash_verdicts(self) -> list[str | None]:
        # Backtrader's check_submitted: each new order is priced at its created price and cash
        # is carried from one to the next, a rejected one's cost included.
        commission = self.commission
        cash = self.view.cash
        verdicts: list[str | None] = []
        for o in self._new:
            r = o.request
            checked = created_price(r, o.created_close)
            fee = commission(r.quantity, checked)
            if r.side is OrderSide.BUY:
                cash -= r.quantity * checked
            else:
                cash += r.quantity * checked
            cash -= fee
            verdicts.append(None if cash >= 0.0 else INSUFFICIENT_CASH)
        return verdicts

    def _close(self, instrument_id: str) -> float | None:
        bar = self.view.bar(instrument_id)
        return None if bar is None else bar.close

    def _work(self, ts_ns: int, bars: Mapping[str, Bar], events: list[BrokerEvent]) -> None:
        view = self.view
        cash = view.cash
        held: dict[str, float] = {}
        this_close = self.this_close
        working = self._working
        grouped = bool(self._group_of)
        for o in list(working.values()):
            if grouped and o.order_id not in working:
                continue  # canceled this step with its OCO group
            r = o.request
            iid = r.instrument_id
            market = r.order_type is OrderType.MARKET
            bar = bars.get(iid)
            missing = bar is None
            if (
                not market
                and r.time_in_force is TimeInForce.DAY
                and view.bar_count(iid) + (not missing) - o.created_count >= 2
            ):
                # Good for the instrument's first bar after placement: gone once a later one came.
                del working[o.order_id]
                events.append(BrokerEvent(BrokerEventKind.EXPIRED, o.order_id, ts_ns))
                if grouped:
                    self._end_group(o.order_id, events)
                continue
            at_close = market and this_close
            if missing and not at_close:
                if market:
                    continue  # a market order waits for the instrument's next bar (ADR 0003)
                bar = view.bar(iid)  # Backtrader's quirk: limits and stops see the previous bar
            price = self._price(o, bar, at_close)
            if price is None:
                if self.report_unfilled and not missing:
                    events.append(
                        BrokerEvent(BrokerEventKind.UNFILLED, o.order_id, ts_ns, request=r, bar=bar)
                    )
                continue
            qty = o.remaining
            if bar is not None and not at_close:
                if self._volume_cap:
                    # A bar re-judged for a missing session offers no new volume (ADR 0021).
                    spent = bar.ts_ns == o.filled_on
                    qty = 0.0 if spent else self.fill_costs.cap(bar.volume, qty)
                if self.fill_cap is not None:
                    qty = min(qty, self.fill_cap(bar, qty))
                if qty <= _EPS:
                    continue
                if qty < o.remaining - _EPS and r.time_in_force is TimeInForce.FOK:
                    continue  # fill or kill: not whole on this bar, so not at all
            label = o.created_ts if at_close else bar.ts_ns  # type: ignore[union-attr]
            if self._slip and r.order_type in _SLIPPED:
                price = self.fill_costs.price(
                    r.side, price, iid, label, qty, None if bar is None else bar.volume
                )
            position = held[iid] if iid in held else view.position(iid)
            after, why = self._check(r, qty, price, position, cash, held)
            if why is not None:
                del working[o.order_id]
                events.append(BrokerEvent(BrokerEventKind.REJECTED, o.order_id, ts_ns, why))
                if grouped:
                    self._end_group(o.order_id, events)
                continue
            cash = after
            held[iid] = position + qty if r.side is OrderSide.BUY else position - qty
            o.remaining -= qty
            o.filled_on = label
            if o.remaining <= _EPS:
                del working[o.order_id]
            events.append(
                BrokerEvent(
                    BrokerEventKind.FILLED,
                    o.order_id,
                    label,
                    quantity=qty,
                    price=price,
                    request=r,
                    bar=None if at_close else bar,
                    previous_bar=missing and not at_close,
                )
            )
            if grouped and o.remaining <= _EPS:
                self._end_group(o.order_id, events)

    def _price(self, o: _Working, bar: Bar | None, at_close: bool) -> float | None:
        """The fill price on ``bar`` before price costs, or None when the order does not fill."""
        r = o.request
        if at_close:
            price: float | None = o.created_close
        else:
            assert bar is not None
            fill = bar_fill(r, bar, o.triggered)
            o.triggered = fill.triggered
            price = fill.price
        return price

    def _check(
        self,
        r: OrderRequest,
        qty: float,
        price: float,
        position: float,
        cash: float,
        held: dict[str, float],
    ) -> tuple[float, str | None]:
        """Cash after the fill, and why the account refuses it (None: it may fill)."""
        buy = r.side is OrderSide.BUY
        after = cash - (qty * price if buy else -qty * price) - self.commission(qty, price)
        iid = r.instrument_id

        def others() -> Holdings:
            view = self.view
            for j in view.instrument_ids:
                q = held[j] if j in held else view.position(j)
                if q and j != iid:
                    yield q, self._close(j) or 0.0

        return after, self.rule.refusal(buy, qty, position, after, price, others)


_SLIPPED = frozenset({OrderType.MARKET, OrderType.STOP})


if TYPE_CHECKING:  # mypy proves the simulated broker implements the Broker port
    from ._ports import Broker

    _implements_the_port: type[Broker] = SimulatedBroker
