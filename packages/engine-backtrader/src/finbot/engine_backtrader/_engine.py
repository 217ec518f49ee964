"""``BacktraderEngine``: runs a contract strategy on Backtrader by driving a ``StrategyRunner``.

A generic ``bt.Strategy`` steps the runner once per Backtrader step and turns Backtrader's order
notifications into runner events; the runner routes the strategy's orders back into Backtrader's
broker. Backtrader's broker decides every fill; the runner keeps the books finbot reports, and the
two are cross-checked at the end.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import backtrader as bt

from finbot.contracts import (
    AccountModel,
    BacktestResult,
    DataValidationError,
    EngineInfo,
    EngineRunError,
    FillPolicy,
    MarketData,
    OrderRequest,
    OrderSide,
    RunConfig,
    Strategy,
    StrategyRunner,
    TimeInForce,
    from_ns,
)
from finbot.contracts.engine import (
    INSUFFICIENT_CASH,
    ActionSchedule,
    FillCosts,
    MarginRule,
    created_price,
)

from ._actions import ActionBroker
from ._commission import commission_for
from ._config import BacktraderSettings
from ._translate import (
    EXEC_TYPES,
    BarSeriesFeed,
    amend_order,
    bar_columns,
    bt_timeline,
    order_prices,
)

_Order = bt.Order


# Order types whose fills pay the contract's price costs (limit fills keep their price).
_PRICED = (_Order.Market, _Order.Stop)


class _CostBroker(ActionBroker):
    """Backtrader's broker, with the contract's price costs, volume cap and account rule.

    Backtrader decides the reference price (open, stop trigger, this close) and whether the order
    fills; ``_execute`` then moves a market or stop fill's price by the run's ``FillCosts`` for
    that fill's quantity and bar, before Backtrader checks cash and books it. The volume cap is
    Backtrader's own filler hook; this-close market fills are not capped (ADR 0010's rule).

    The run's account (ADR 0022) decides which fills may happen: the contract's ``MarginRule``
    refuses a short sale on a cash account and, on a margin account, accepts orders and fills by
    the margin they leave instead of Backtrader's "cash never below zero".
    """

    fill_costs: FillCosts
    to_ns: dict[float, int]

    def bind(self, session: _Session, account: AccountModel) -> None:
        self.session = session
        self.account = account
        self.rule = MarginRule(account)

    def check_submitted(self) -> None:
        if not self.account.margin:
            super().check_submitted()
            return
        orders = []
        while self.submitted:
            order = self.submitted.popleft()
            if self._take_children(order) is not None:
                orders.append(order)
        runner = self.session.runner
        priced = []
        for order in orders:
            request = self.session.request(order)
            priced.append((request, created_price(request, order.created.pclose)))
        verdicts = self.rule.accept(
            priced,
            self.cash,
            self._held,
            self._close,
            runner.context.instrument_ids,
            runner.commission,
        )
        for order, why in zip(orders, verdicts, strict=True):
            if why is None:
                self.submit_accept(order)
            else:
                self._refuse(order, why)

    def capped(self, order: Any, price: float, ago: int) -> float:
        remaining = abs(order.executed.remsize)
        if self.p.coc and order.exectype == _Order.Market:
            return float(remaining)
        if order.executed.dt == order.data.datetime[ago]:
            # A bar re-judged for a missing session offers no new volume (ADR 0021).
            return 0.0
        cap = self.fill_costs.cap(order.data.volume[ago], remaining)
        if cap < remaining and order.info.get("fok"):
            return 0.0  # fill or kill: not whole on this bar, so not at all (ADR 0020)
        return cap

    def _execute(
        self,
        order: Any,
        ago: int | None = None,
        price: float | None = None,
        cash: float | None = None,
        position: Any = None,
        dtcoc: float | None = None,
    ) -> Any:
        # A pseudo-execution (the cash check at submission) returns the cash it leaves.
        if ago is None or price is None:
            return super()._execute(
                order, ago=ago, price=price, cash=cash, position=position, dtcoc=dtcoc
            )
        costs = self.fill_costs
        qty = (
            self.capped(order, price, ago)
            if self.p.filler is not None
            else abs(order.executed.remsize)
        )
        if qty > 0 and costs.any and order.exectype in _PRICED:
            label = self.to_ns[dtcoc if dtcoc is not None else order.data.datetime[ago]]
            side = OrderSide.BUY if order.isbuy() else OrderSide.SELL
            price = costs.price(side, price, order.data._name, label, qty)
        lift = 0.0
        if qty > 0:
            data = order.data
            buy = order.isbuy()
            signed = qty if buy else -qty
            after = self.cash - signed * price - self.session.runner.commission(qty, price)

            def others() -> Any:
                return (
                    (p.size, self._close(d._name) or 0.0)
                    for d, p in self.positions.items()
                    if p.size and d is not data
                )

            position_size = self.positions[data].size
            why = self.rule.refusal(buy, qty, position_size, after, price, others)
            if why is not None:
                self._refuse(order, why)
                return None
            if self.account.margin and after < 0.0:
                # Backtrader would drop an opening fill that leaves cash below zero; the margin
                # rule allowed it, so cash is lifted for the call and the lift taken back after.
                lift = -after + 1.0
                self.cash += lift
        try:
            return super()._execute(
                order, ago=ago, price=price, cash=cash, position=position, dtcoc=dtcoc
            )
        finally:
            self.cash -= lift

    def _refuse(self, order: Any, why: str) -> None:
        order.finbot_reason = why  # read back by _Session.on_order (notify clones the order)
        order.margin()
        self.notify(order)
        self._ococheck(order)
        self._bracketize(order, cancel=True)

    def _held(self, instrument_id: str) -> float:
        return float(self.getposition(self.session.feeds[instrument_id]).size)

    def _close(self, instrument_id: str) -> float | None:
        bar = self.session.runner.context.bar(instrument_id)
        return None if bar is None else bar.close


class _Session:
    """One run's glue: the runner's ``OrderRouter`` and the translator of Backtrader's events."""

    def __init__(self) -> None:
        self.broker: Any = None  # set once the run knows which broker it needs
        self.steps = 0
        # Set by bind(): the runner needs this session as its router before it exists.
        self.runner: StrategyRunner
        self.timeline: tuple[int, ...]
        self.dts: list[float]
        self.to_ns: dict[float, int]
        self.feeds: dict[str, Any] = {}
        self._strategy: Any = None
        self._dt_line: Any = None
        self._ids: dict[int, str] = {}
        self._orders: dict[str, Any] = {}
        self._financed = 0.0  # borrow and funding charged to Backtrader's cash so far

    def bind(self, runner: StrategyRunner, dts: list[float]) -> None:
        """Attach the runner this session routes for, and Backtrader's datetimes of its timeline."""
        self.runner = runner
        self.timeline = runner.timeline
        self.dts = dts
        self.to_ns = dict(zip(dts, runner.timeline, strict=True))

    # --- called by the driver strategy --------------------------------------------------------
    def attach(self, strategy: Any) -> None:
        self._strategy = strategy
        self._dt_line = strategy.lines.datetime

    def step(self) -> None:
        k = self.steps
        try:
            expected = self.dts[k]
        except IndexError:
            raise EngineRunError(
                f"backtrader took more steps than the {len(self.timeline)} timestamps in the data"
            ) from None
        if self._dt_line[0] != expected:
            raise EngineRunError(
                f"backtrader step {k} is at {bt.num2date(self._dt_line[0])}, but the data's "
                f"timeline is at {from_ns(self.timeline[k])}"
            )
        self.steps = k + 1
        runner = self.runner
        runner.step(self.timeline[k])
        financing = runner.ledger.financing
        if financing is not None and financing.total != self._financed:
            # Borrow and funding the runner charged at this step (ADR 0022): Backtrader's cash
            # pays them too, before its next cash checks.
            self.broker.cash -= financing.total - self._financed
            self._financed = financing.total

    def on_order(self, order: Any) -> None:
        order_id = self._ids.get(order.ref)
        if order_id is None:
            return
        status = order.status
        runner = self.runner
        if status == _Order.Completed or status == _Order.Partial:
            to_ns = self.to_ns
            for bit in order.executed.iterpending():
                ts = to_ns.get(bit.dt)
                if ts is None:
                    raise EngineRunError(
                        f"backtrader filled {order_id} at {bt.num2date(bit.dt)}, which is no bar "
                        "of the data"
                    )
                runner.filled(order_id, abs(bit.size), bit.price, ts)
            if status == _Order.Completed:
                self._forget(order_id, order.ref)
        elif status == _Order.Accepted:
            runner.accepted(order_id, self._event_ts())
        elif status == _Order.Canceled:
            # Backtrader cancels at once, inside the step that asked; it reports one step later.
            runner.canceled(order_id, runner.now_ns)
            self._forget(order_id, order.ref)
        elif status == _Order.Margin:
            why = getattr(order, "finbot_reason", INSUFFICIENT_CASH)
            runner.rejected(order_id, self._event_ts(), why)
            self._forget(order_id, order.ref)
        elif status == _Order.Rejected:
            runner.rejected(order_id, self._event_ts(), "rejected by backtrader's broker")
            self._forget(order_id, order.ref)
        elif status == _Order.Expired:
            runner.expired(order_id, self._event_ts())
            self._forget(order_id, order.ref)

    def drain(self) -> None:
        """Deliver the notifications Backtrader raised after its last strategy call."""
        while (order := self.broker.get_notification()) is not None:
            self.on_order(order)

    # --- OrderRouter ------------------------------------------------------------------------
    def submit(self, order_id: str, request: OrderRequest) -> None:
        runner = self.runner
        iid = request.instrument_id
        feed = self.feeds.get(iid)
        if feed is None or self.steps == 0 or len(feed) == 0:
            why = (
                f"instrument {iid!r} has no bars in this run"
                if feed is None
                else "orders cannot be placed before the instrument's first bar"
            )
            runner.rejected(order_id, runner.now_ns, why)
            return
        price, plimit = order_prices(request)
        valid = None
        if request.time_in_force is TimeInForce.DAY:
            # DAY = good for the instrument's next bar only (the first bar that can fill it).
            column = feed.p.dataname[0]
            valid = column[min(len(feed), len(column) - 1)]
        place = self.broker.buy if request.side is OrderSide.BUY else self.broker.sell
        # One-cancels-other: later members join the group of its first order (Backtrader's oco).
        leader = runner.orders.oco.get(order_id)
        order = place(
            self._strategy,
            feed,
            request.quantity,
            price=price,
            plimit=plimit,
            exectype=EXEC_TYPES[request.order_type],
            valid=valid,
            oco=self._orders.get(leader) if leader is not None and leader != order_id else None,
        )
        if request.time_in_force is TimeInForce.FOK:
            order.addinfo(fok=True)  # the volume cap may not fill it in part (_CostBroker.capped)
        self._ids[order.ref] = order_id
        self._orders[order_id] = order

    def request(self, order: Any) -> OrderRequest:
        """The contract request a Backtrader order was placed for."""
        return self.runner.orders.orders[self._ids[order.ref]].request

    def cancel(self, order_id: str) -> None:
        order = self._orders.get(order_id)
        if order is not None:
            self.broker.cancel(order)

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        order = self._orders.get(order_id)
        if order is None or not order.alive():
            return f"order {order_id} is not working"
        if order.executed.size:
            return f"order {order_id} is partly filled; cancel it and place a new one"
        new = self.runner.orders.orders[order_id].request.amended(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        if not isinstance(new, str):
            amend_order(order, new)
        return new

    # --- internals ---------------------------------------------------------------------------
    def step_dt(self) -> float | None:
        """Backtrader's datetime of the step its broker is working (None after the last)."""
        k = self.steps
        return self.dts[k] if k < len(self.dts) else None

    def _event_ts(self) -> int:
        # Broker events are raised while Backtrader prepares step ``steps``.
        k = self.steps
        return self.timeline[k] if k < len(self.timeline) else self.runner.now_ns

    def _forget(self, order_id: str, ref: int) -> None:
        self._ids.pop(ref, None)
        self._orders.pop(order_id, None)


class _Driver(bt.Strategy):  # type: ignore[misc]
    """The one ``bt.Strategy`` of every run: hands each step and order event to the session."""

    params = (("session", None),)

    def __init__(self) -> None:
        self._session: _Session = self.p.session
        self._session.attach(self)

    def notify_order(self, order: Any) -> None:
        self._session.on_order(order)

    def prenext(self) -> None:
        # Before every instrument has a bar Backtrader calls prenext; the contract steps anyway.
        self._session.step()

    def next(self) -> None:
        self._session.step()


def _adapter_version() -> str:
    try:
        return version("finbot-engine-backtrader")
    except PackageNotFoundError:  # running from a source tree without metadata
        return "unknown"


class BacktraderEngine:
    """Runs contract strategies on Backtrader (``RunConfig.engine == "backtrader"``).

    The data must already be restricted to the run's ``config.start``/``config.end`` (the CLI calls
    ``MarketData.between``); every bar given is traded.

    Fill policy: ``next_open`` is Backtrader's default (a market order fills at the next bar's
    open); ``this_close`` turns on cheat-on-close (it fills at the close of the bar it was placed
    on). See docs/adr/0003-fill-policy-semantics.md.
    """

    def __init__(self, settings: BacktraderSettings | None = None) -> None:
        self.settings = settings or BacktraderSettings()

    @property
    def name(self) -> str:
        """The engine id, ``backtrader``."""
        return "backtrader"

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Run ``strategy`` over ``data`` under ``config``.

        Raises:
            DataValidationError: the data has no bars, or instants Backtrader cannot separate.
            EngineRunError: Backtrader's account disagrees with the runner's books at the end.
        """
        session = _Session()
        runner = StrategyRunner(strategy, config, data, session)
        timeline = runner.timeline
        if not timeline:
            raise DataValidationError("the data has no bars to run on", source=data.name)
        dts = bt_timeline(timeline, data.name)
        session.bind(runner, dts)
        to_float = dict(zip(timeline, dts, strict=True))
        broker = _CostBroker()
        broker.fill_costs = runner.fill_costs
        broker.to_ns = session.to_ns
        broker.bind(session, config.account)
        if config.cost_model.volume_limit is not None:
            broker.set_filler(broker.capped)
        session.broker = broker

        cerebro = bt.Cerebro(stdstats=False, preload=True, runonce=True, maxcpus=1)
        cerebro.broker = broker
        broker.setcash(config.starting_cash)
        broker.addcommissioninfo(commission_for(config.cost_model))
        if config.fill_policy is FillPolicy.THIS_CLOSE:
            broker.set_coc(True)
        for iid in data.instrument_ids:
            series = data.bars(iid)
            if len(series):
                feed = BarSeriesFeed(dataname=bar_columns(series, to_float), name=iid)
                cerebro.adddata(feed, name=iid)
                session.feeds[iid] = feed
        cerebro.addstrategy(_Driver, session=session)
        if runner.actions:
            # Backtrader's own books follow the run's splits and dividends as the runner's do.
            schedule = ActionSchedule(data.corporate_actions)
            broker.follow(schedule, session.feeds, session.to_ns, session.step_dt)

        runner.start()
        cerebro.run()
        session.drain()
        if session.steps != len(timeline):
            raise EngineRunError(
                f"backtrader took {session.steps} steps; the data has {len(timeline)} timestamps"
            )
        runner.stop()
        self._cross_check(runner, broker, session.feeds)
        details = {"cheat_on_close": str(config.fill_policy is FillPolicy.THIS_CLOSE).lower()}
        return runner.result(
            EngineInfo(
                name=self.name,
                version=bt.__version__,
                adapter="finbot-engine-backtrader",
                adapter_version=_adapter_version(),
                details=details,
            )
        )

    def _cross_check(self, runner: StrategyRunner, broker: Any, feeds: dict[str, Any]) -> None:
        ours = runner.equity()
        # revalued: financing charged at the last step came after Backtrader's own valuation
        theirs = float(broker._get_value())
        if abs(ours - theirs) > self.settings.equity_rel_tolerance * max(abs(ours), 1.0):
            raise EngineRunError(
                f"final equity disagrees: runner {ours!r}, backtrader broker {theirs!r}"
            )
        for iid, feed in feeds.items():
            held = runner.positions.get(iid, 0.0)
            bt_held = float(broker.getposition(feed).size)
            if abs(held - bt_held) > 1e-9:
                raise EngineRunError(
                    f"final position in {iid} disagrees: runner {held!r}, backtrader {bt_held!r}"
                )
