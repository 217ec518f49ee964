"""``NautilusEngine``: runs a contract strategy on NautilusTrader by driving a ``StrategyRunner``.

One Nautilus ``Strategy`` (the driver) counts each step's open ticks and bars, steps the runner
once every instrument of the step has delivered its bar, and submits the Nautilus orders that
execute the contract's orders. Which contract order fills on which bar, and at what price, follows
Backtrader's broker (the production baseline, docs/adr/0003); Nautilus's matching engine executes
every fill and the adapter checks each one against that expectation (docs/adr/0007).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.common.component import is_backtest_force_stop
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.enums import OrderSide as NtSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price

from finbot.contracts import (
    AccountKind,
    BacktestResult,
    Bar,
    DataValidationError,
    EngineRunError,
    FillPolicy,
    MarketData,
    OrderRequest,
    OrderSide,
    OrderType,
    RunConfig,
    Split,
    Strategy,
    StrategyRunner,
    from_ns,
)
from finbot.contracts.engine import (
    BrokerEvent,
    BrokerEventKind,
    BrokerRouter,
    SimulatedBroker,
    deliver,
)

from ._actions import AccountModule
from ._config import NautilusSettings
from ._fees import CostModelFee
from ._nautilus_run import (
    BarDriver,
    add_instruments,
    check_currency,
    engine_info,
    new_engine,
    starting_balance,
)
from ._translate import (
    VENUE,
    bar_interval,
    currency,
    feed,
    missing_steps,
    per_step,
    quantity,
    time_shift,
)

_EPS = 1e-9
_whole_units = quantity  # modify's keyword argument shadows the name

# Order types whose fills the cost model slips (limit fills keep their price).
_SLIPPED = frozenset({OrderType.MARKET, OrderType.STOP})


def _not_whole(units: float) -> str:
    return f"quantity {units} is not a whole number; the Nautilus adapter trades whole units only"


@dataclass(slots=True)
class _Expected:
    """A fill the simulated broker decided and a Nautilus order must now execute.

    ``price`` is the contract's fill price (slipped, for market and stop orders under
    ``slippage_bps``); ``market`` the price before slippage, which Nautilus executes at: its bar
    matching cannot fill off the bar's prices, so the slippage is booked by the contract alone
    and the final cross-check allows for exactly its total (ADR 0018).
    """

    order_id: str
    request: OrderRequest
    quantity: float
    price: float
    ts_ns: int
    market: float
    filled: float = 0.0


@dataclass(slots=True)
class _Native:
    """A Nautilus order working for a contract order: it fills as ``expected``, or not at all."""

    order: Any
    instrument: InstrumentId
    expected: _Expected | None
    tolerance: float


class _Session(BrokerRouter):
    """One run's glue: the runner's order router, the step clock and the order planner.

    The router is a ``BrokerRouter`` in front of the simulated broker that trades whole units only.
    """

    def __init__(self, config: RunConfig, data: MarketData) -> None:
        self.config = config
        self.data = data
        self.runner: StrategyRunner
        self.commission: Callable[[float, float], float]
        self.driver: _Driver
        self.step = 0  # index of the timeline step whose data is arriving
        self.timeline: tuple[int, ...] = ()
        self.counts: list[int] = []  # bars per step
        self.tick_counts: list[int] = []  # open ticks per step, with those of missing sessions
        self.missing: dict[str, list[int]] = {}
        self.nt_ids: dict[str, InstrumentId] = {}
        self.precision: dict[str, int] = {}
        self._ticks = 0
        self._bars = 0
        self._index: dict[str, dict[int, int]] = {}
        self.broker: SimulatedBroker
        self._events: list[BrokerEvent] = []
        self._expected: list[_Expected] = []
        # (order, its fill or None for a probe, the market it is sent into, whether it must fill
        # at once against that market rather than rest for the bar)
        self._at_open: list[tuple[OrderRequest, _Expected | None, float, bool]] = []
        self._native: dict[Any, _Native] = {}
        self.failure: str | None = None
        self.fill_count = 0
        self.this_close = config.fill_policy is FillPolicy.THIS_CLOSE
        # Corporate actions mirrored into Nautilus's account (_actions.py): the venue module,
        # how many of the runner's applied/paid actions are mirrored, and the fee-free orders
        # that carry out splits (client order id -> [instrument, signed shares, pre-credit]).
        self.account: AccountModule | None = None
        self.currency: Any = None
        self._mirrored = (0, 0)
        self.follow_actions = bool(data.corporate_actions)
        self._split_orders: dict[Any, list[Any]] = {}
        # A Nautilus cash account cannot hold a short: runs that may short use a margin account
        # (docs/adr/0022), where the contract's rule, not Nautilus, decides what may fill.
        self.shorts = config.account.kind is not AccountKind.CASH

    def prepare(self, runner: StrategyRunner) -> None:
        self.runner = runner
        # The runner's memo: a fill's commission is computed once for the cash check, the
        # Nautilus fee model and the runner's books.
        self.commission = runner.commission
        self.broker = SimulatedBroker(
            runner.context,
            fill_policy=self.config.fill_policy,
            cost_model=self.config.cost_model,
            commission=runner.commission,
            account=self.config.account,
            report_unfilled=True,
            fill_costs=runner.fill_costs,
        )
        timeline = self.timeline = runner.timeline
        # dict(zip()), Counter and map() do the per-bar work of this setup in C.
        stamps = {iid: self.data.bars(iid).ts_ns for iid in self.data.instrument_ids}
        for iid, ts_ns in stamps.items():
            self._index[iid] = dict(zip(ts_ns, range(len(ts_ns)), strict=True))
            # A series with a bar on every step misses none (its stamps are part of the timeline).
            self.missing[iid] = missing_steps(timeline, ts_ns) if len(ts_ns) < len(timeline) else []
        self.counts = per_step(timeline, list(stamps.values()))
        self.tick_counts = self.counts
        if any(self.missing.values()):
            self.tick_counts = per_step(timeline, [*stamps.values(), *self.missing.values()])

    # --- OrderRouter ----------------------------------------------------------------------------
    def submit(self, order_id: str, request: OrderRequest) -> None:
        # A refusal of the order itself is reported before the whole-units rule, as Backtrader
        # and sim report it.
        if quantity(request.quantity) is None and self.broker.refusal(request) is None:
            self.runner.rejected(order_id, self.runner.now_ns, _not_whole(request.quantity))
            return
        super().submit(order_id, request)

    def modify(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> OrderRequest | str:
        # The broker decides every fill; the Nautilus orders that execute them are made per step
        # from its working orders, so changing the broker's order is the whole modify.
        if quantity is not None and _whole_units(quantity) is None:
            return _not_whole(quantity)
        return super().modify(
            order_id, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )

    # --- driven by the Nautilus strategy ------------------------------------------------------
    def on_open_tick(self) -> None:
        # Orders are staged before a step's first tick, so a step with none needs no counting.
        if self._at_open:
            self._ticks += 1
            if self._ticks == self.tick_counts[self.step]:
                self._submit_at_open()

    def on_bar(self) -> None:
        self._bars += 1
        if self._bars == self.counts[self.step]:
            self._end_step()

    def fee_free(self, order: Any) -> bool:
        """Whether ``order`` carries out a split (no commission: it is no trade)."""
        return order.client_order_id in self._split_orders

    def on_fill(self, client_order_id: Any, qty: float, px: float) -> None:
        split = self._split_orders.get(client_order_id)
        if split is not None:
            self._split_filled(split, qty, px)
            return
        native = self._native.get(client_order_id)
        expected = native.expected if native is not None else None
        if native is None or expected is None:
            self._fail(f"nautilus filled order {client_order_id} that the contract did not fill")
            return
        if abs(px - expected.market) > native.tolerance:
            self._fail(
                f"nautilus filled {expected.order_id} at {px!r}; the contract's fill "
                f"price before slippage is {expected.market!r}"
            )
        expected.filled += qty

    def on_refused(self, client_order_id: Any, why: str) -> None:
        native = self._native.get(client_order_id)
        if native is not None:
            self._fail(f"nautilus refused the order for {self._describe(native)}: {why}")

    def contract_price(self, order: Any, px: float) -> float:
        native = self._native.get(order.client_order_id)
        if native is None or native.expected is None:
            return px
        return native.expected.price

    def flush(self) -> None:
        """Deliver the events waiting for the next step (or for the end of the run)."""
        events = self._events
        if self.broker.busy:
            events.extend(self.broker.drain())
        if not events:  # most steps: nothing happened to any order
            return
        self._events = []
        deliver(events, self.runner)

    # --- internals ----------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        if self.failure is None:
            self.failure = message

    def _describe(self, native: _Native) -> str:
        if native.expected is not None:
            return f"contract order {native.expected.order_id}"
        return f"instrument {native.instrument}"

    def _end_step(self) -> None:
        k = self.step
        ts = self.timeline[k]
        if self._native or self._expected or self._split_orders:
            self._settle(ts)
        if self.failure is not None:
            raise EngineRunError(self.failure)
        if self._events:
            self.flush()
        runner = self.runner
        runner.step(ts)
        if self.follow_actions:
            actions = runner.actions
            if (len(actions.applied), len(actions.paid)) != self._mirrored:
                self._mirror_actions()
        self.step = k = k + 1
        self._ticks = self._bars = 0
        # Most steps have no order to accept, fill or expire: skip the planner outright.
        if self.broker.busy and k < len(self.timeline):
            self._plan(k)

    def _settle(self, ts: int) -> None:
        """Close out the step's Nautilus orders: cancel any left open, check each expected fill."""
        driver = self.driver
        for native in self._native.values():
            if driver.cache.order(native.order.client_order_id).is_open:
                driver.cancel_order(native.order)
        self._native.clear()
        for iid, shares, _, filled in self._split_orders.values():
            if abs(filled - abs(shares)) > _EPS:
                self._fail(
                    f"nautilus executed {filled} of the {abs(shares)} shares a split of {iid} "
                    f"adds or removes by {from_ns(ts).isoformat()}"
                )
        self._split_orders.clear()
        for expected in self._expected:
            if abs(expected.filled - expected.quantity) > _EPS:
                self._fail(
                    f"nautilus filled {expected.filled} of {expected.order_id} by "
                    f"{from_ns(ts).isoformat()}; the contract fills {expected.quantity} at "
                    f"{expected.price!r}"
                )
        self._expected = []

    def _mirror_actions(self) -> None:
        """Bring Nautilus's account to the runner's books after the step's corporate actions."""
        actions = self.runner.actions
        n_applied, n_paid = self._mirrored
        self._mirrored = (len(actions.applied), len(actions.paid))
        assert self.account is not None
        for paid in actions.paid[n_paid:]:
            self.account.adjust(paid.cash, self.currency)
            self.fill_count += 1  # Nautilus books the dividend in whole cents
        split = {
            a.action.instrument_id
            for a in actions.applied[n_applied:]
            if isinstance(a.action, Split) and a.held
        }
        for iid in sorted(split):
            self._carry_out_split(iid)

    def _carry_out_split(self, iid: str) -> None:
        nt_id = self.nt_ids[iid]
        driver = self.driver
        shares = self.runner.positions.get(iid, 0.0) - float(driver.portfolio.net_position(nt_id))
        if abs(shares) <= _EPS:
            return
        qty = quantity(abs(shares))
        if qty is None:
            raise EngineRunError(
                f"a split of {iid} leaves a fractional position ({shares:+} shares to carry "
                "out); the Nautilus adapter trades whole units only"
            )
        buy = shares > 0
        bar = self.data.bars(iid)[self.runner.seen(iid) - 1]
        # A buy must find the cash first: credit it at the bar's high, settle on the fill price.
        credit = abs(shares) * bar.high if buy else 0.0
        assert self.account is not None
        self.account.adjust(credit, self.currency)
        order = driver.order_factory.market(
            nt_id, NtSide.BUY if buy else NtSide.SELL, qty, reduce_only=not buy
        )
        self._split_orders[order.client_order_id] = [iid, shares, credit, 0.0]
        self.fill_count += 2
        driver.submit_order(order)

    def _split_filled(self, split: list[Any], qty: float, px: float) -> None:
        # Balance-neutral: the buy's notional comes back (beyond the pre-credit), a sell's goes.
        assert self.account is not None
        shares, credit = split[1], split[2]
        if shares > 0:
            self.account.adjust(qty * px - credit, self.currency)
            split[2] = 0.0
        else:
            self.account.adjust(-qty * px, self.currency)
        split[3] += qty

    def _bar_at(self, iid: str, k: int) -> int | None:
        return self._index[iid].get(self.timeline[k])

    def _plan(self, k: int) -> None:
        """Have the simulated broker work step ``k`` and stage the Nautilus orders it implies.

        Every fill the broker decides is staged as a Nautilus order that must execute it (at the
        step's open tick, or at once at this close); an order judged on a bar without a fill is
        staged as a probe that must not fill. The events reach the runner before step ``k``.
        """
        timeline_ts = self.timeline[k]
        bars = {}
        for iid, index in self._index.items():
            i = index.get(timeline_ts)
            if i is not None:
                bars[iid] = self.data.bars(iid)[i]
        for event in self.broker.poll(timeline_ts, bars):
            kind = event.kind
            if kind is BrokerEventKind.UNFILLED:
                assert event.request is not None and event.bar is not None
                self._at_open.append((event.request, None, event.bar.open, False))
                continue
            self._events.append(event)
            if kind is not BrokerEventKind.FILLED:
                continue
            request, bar = event.request, event.bar
            assert request is not None
            market = self._unslipped(request, event, bar)
            expected = _Expected(
                event.order_id, request, event.quantity, event.price, event.ts_ns, market
            )
            self._expected.append(expected)
            self.fill_count += 1
            if bar is None:  # this close
                self._send(request, expected, None)
            elif event.previous_bar:
                # No bar for the instrument on this step: the broker judged the order on its
                # previous bar (ADR 0003 quirk); Nautilus fills it at once against the tick that
                # holds the instrument's market at that bar's close.
                self._at_open.append((request, expected, bar.close, True))
            else:
                self._at_open.append((request, expected, bar.open, False))

    def _unslipped(self, request: OrderRequest, event: BrokerEvent, bar: Bar | None) -> float:
        """The fill price before the cost model's price costs (itself when none applied)."""
        price = event.price
        assert price is not None
        if request.order_type not in _SLIPPED or not self.runner.fill_costs.any:
            return price
        total = self.runner.fill_costs.fractions(
            request.instrument_id, event.ts_ns, event.quantity
        ).total
        if not total:
            return price
        market = price / (1.0 + request.side.sign * total)
        # Undoing the slip can miss the bar price it started from by an ulp; snap back to it.
        if bar is not None:
            for candidate in (bar.open, bar.high, bar.low, bar.close):
                if abs(market - candidate) <= 1e-9 * abs(candidate):
                    return candidate
        return market

    def _submit_at_open(self) -> None:
        staged, self._at_open = self._at_open, []
        for request, expected, market_price, at_once in staged:
            self._send(request, expected, market_price, at_once)

    def _send(
        self,
        r: OrderRequest,
        expected: _Expected | None,
        open_price: float | None,
        at_once: bool = False,
    ) -> None:
        """Submit the Nautilus order that executes ``expected`` (or probes a non-fill).

        A fill at the open (or at this close) is a market order; a fill inside the bar is a
        resting order at the fill price, limit on the favourable side of the open and stop on
        the other; a non-fill is the order's own limit or stop, which must not fill.
        """
        iid = r.instrument_id
        nt_id = self.nt_ids[iid]
        precision = self.precision[iid]
        driver = self.driver
        factory = driver.order_factory
        buy = r.side is OrderSide.BUY
        side = NtSide.BUY if buy else NtSide.SELL
        # A fill capped by the bar's volume executes only its part of the order.
        qty = quantity(r.quantity if expected is None else expected.quantity)
        reduce_only = not buy and not self.shorts
        if expected is None:
            if r.order_type is OrderType.STOP_LIMIT:
                return
            if reduce_only and r.quantity > self.runner.positions.get(iid, 0.0) + _EPS:
                return  # a sell the position cannot cover is rejected if it ever fills
            if r.order_type is OrderType.LIMIT:
                assert r.limit_price is not None
                nt_order = factory.limit(
                    nt_id, side, qty, Price(r.limit_price, precision), reduce_only=reduce_only
                )
            else:
                assert r.stop_price is not None
                nt_order = factory.stop_market(
                    nt_id, side, qty, Price(r.stop_price, precision), reduce_only=reduce_only
                )
        elif open_price is None:
            # At this close: a limit at the close is marketable whatever Nautilus's book says. A
            # fill inside the bar can leave the book at its price (above the close) when Nautilus
            # skips a close equal to the low, where a market order would fill.
            nt_order = factory.limit(
                nt_id, side, qty, Price(expected.market, precision), reduce_only=reduce_only
            )
        elif expected.market == open_price:
            nt_order = factory.market(nt_id, side, qty, reduce_only=reduce_only)
        elif at_once:
            # Filled now against a market standing at ``open_price``: a limit on the far side of
            # it is marketable and fills at its limit; on the near side a stop is already
            # triggered (the venue does not reject it) and fills at its trigger.
            px = Price(expected.market, precision)
            if (expected.market > open_price) == buy:
                nt_order = factory.limit(nt_id, side, qty, px, reduce_only=reduce_only)
            else:
                nt_order = factory.stop_market(nt_id, side, qty, px, reduce_only=reduce_only)
        elif (expected.market < open_price) == buy:
            # A limit fill moves Nautilus's book to its price, so a second, less aggressive limit
            # of the same side could no longer fill on this bar; a touched order fills at its
            # trigger and leaves the book where the bar put it.
            nt_order = factory.market_if_touched(
                nt_id, side, qty, Price(expected.market, precision), reduce_only=reduce_only
            )
        else:
            nt_order = factory.stop_market(
                nt_id, side, qty, Price(expected.market, precision), reduce_only=reduce_only
            )
        tolerance = 0.5 * 10.0**-precision + 1e-9 * abs(expected.market if expected else 0.0)
        self._native[nt_order.client_order_id] = _Native(nt_order, nt_id, expected, tolerance)
        driver.submit_order(nt_order)


class _Driver(BarDriver):
    """The one Nautilus strategy of every run: hands ticks, bars and order events to the session."""

    _session: _Session

    def on_trade_tick(self, tick: Any) -> None:
        self._session.on_open_tick()

    def on_order_filled(self, event: Any) -> None:
        self._session.on_fill(
            event.client_order_id, event.last_qty.as_double(), event.last_px.as_double()
        )

    def refused(self, event: Any, how: str) -> None:
        self._session.on_refused(event.client_order_id, f"{how}: {event.reason}")


class NautilusEngine:
    """Runs contract strategies on NautilusTrader (``RunConfig.engine == "nautilus"``).

    The data must already be restricted to the run's ``config.start``/``config.end`` (the CLI calls
    ``MarketData.between``); every bar given is traded. Both fill policies, market, limit, stop
    and stop-limit orders follow the contract as Backtrader executes it (docs/adr/0003); how that
    maps onto Nautilus is docs/adr/0007.
    """

    def __init__(self, settings: NautilusSettings | None = None, *, verbose: bool = False) -> None:
        settings = settings or NautilusSettings()
        if verbose and not settings.verbose:
            settings = NautilusSettings(
                verbose=True, equity_rel_tolerance=settings.equity_rel_tolerance
            )
        self.settings = settings

    @property
    def name(self) -> str:
        """The engine id, ``nautilus``."""
        return "nautilus"

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Run ``strategy`` over ``data`` under ``config``.

        Raises:
            ConfigError: the run asks for something this adapter cannot reproduce exactly
                (slippage, fractional lots, instruments in another currency).
            DataValidationError: the data has no bars.
            EngineRunError: Nautilus stopped early, executed differently from the contract, or
                its account disagrees with the runner's books at the end.
        """
        self._check_config(config, data)
        session = _Session(config, data)
        runner = StrategyRunner(strategy, config, data, session)
        if not runner.timeline:
            raise DataValidationError("the data has no bars to run on", source=data.name)
        session.prepare(runner)
        engine = self._build(config, data, session)
        try:
            runner.start()
            engine.run()
            self._check_completed(engine, session)
            session.flush()
            runner.stop()
            self._cross_check(engine, runner, session, config)
        finally:
            engine.dispose()
        return runner.result(engine_info(self.name, {"fill_policy": str(config.fill_policy)}))

    def _check_config(self, config: RunConfig, data: MarketData) -> None:
        check_currency(config, data)

    def _build(self, config: RunConfig, data: MarketData, session: _Session) -> BacktestEngine:
        # The adapter checks cash itself, Backtrader's way (ADR 0007); Nautilus's risk engine would
        # deny orders Backtrader accepts (it reserves cash for resting orders).
        engine = new_engine(verbose=self.settings.verbose, bypass_risk=True)
        account_module = AccountModule()
        try:
            engine.add_venue(
                venue=VENUE,
                oms_type=OmsType.NETTING,
                account_type=AccountType.MARGIN if session.shorts else AccountType.CASH,
                base_currency=currency(config.currency),
                starting_balances=[starting_balance(config)],
                fee_model=CostModelFee(
                    session.commission, session.contract_price, session.fee_free
                ),
                bar_execution=True,
                # A stop already through the market fills at its trigger (the adapter only sends
                # one to fill an order against an instrument's previous bar, ADR 0007).
                reject_stop_orders=False,
                modules=[account_module],
            )
            session.account = account_module
            session.currency = currency(config.currency)
            interval = bar_interval(session.timeline)
            shift = time_shift(session.timeline)
            kinds = []
            rows: list[Any] = []
            for iid, nt_id, kind, precision in add_instruments(engine, data, interval):
                kinds.append(kind)
                session.nt_ids[iid] = nt_id
                session.precision[iid] = precision
                rows.extend(
                    feed(
                        data.bars(iid),
                        nt_id,
                        kind,
                        precision,
                        interval,
                        shift,
                        session.missing[iid],
                    )
                )
            engine.add_data(rows)
            driver = _Driver(session, kinds, ticks=True)
            session.driver = driver
            engine.add_strategy(driver)
        except BaseException:
            engine.dispose()
            raise
        return engine

    @staticmethod
    def _check_completed(engine: BacktestEngine, session: _Session) -> None:
        if session.failure is not None:
            raise EngineRunError(session.failure)
        if is_backtest_force_stop() or session.step != len(session.timeline):
            raise EngineRunError(
                f"nautilus stopped after {session.step} of {len(session.timeline)} steps "
                "(a forced stop, e.g. its cash account went negative); run with --verbose to see "
                "nautilus's log"
            )

    def _cross_check(
        self, engine: BacktestEngine, runner: StrategyRunner, session: _Session, config: RunConfig
    ) -> None:
        account = engine.cache.account_for_venue(VENUE)
        theirs = account.balance_total(currency(config.currency)).as_double()
        for iid, nt_id in session.nt_ids.items():
            held = float(engine.portfolio.net_position(nt_id))
            ours_held = runner.positions.get(iid, 0.0)
            if abs(held - ours_held) > _EPS:
                raise EngineRunError(
                    f"final position in {iid} disagrees: runner {ours_held!r}, nautilus {held!r}"
                )
            if held and session.shorts:
                # A margin account's balance moves by realized P&L only: add the unrealized, at
                # the contract's last close (Nautilus's own mark is its last trade tick).
                for position in engine.cache.positions_open(instrument_id=nt_id):
                    theirs += position.signed_qty * (
                        (runner.last_close(iid) or 0.0) - position.avg_px_open
                    )
            elif held:
                theirs += held * (runner.last_close(iid) or 0.0)
        # Nautilus executed at the prices before the price costs; the contract booked them, and
        # the borrow and funding Nautilus's account never sees (ADR 0022).
        ours = runner.equity() + math.fsum(
            f.slippage + f.spread + f.impact for f in runner.ledger.fills
        )
        financing = runner.ledger.financing
        if financing is not None:
            ours += financing.total
        # Nautilus books each fill's notional and commission in whole cents.
        allowed = self.settings.equity_rel_tolerance * max(abs(ours), 1.0)
        allowed += 0.01 * session.fill_count
        if abs(ours - theirs) > allowed:
            raise EngineRunError(
                f"final equity disagrees: runner {ours!r}, nautilus account {theirs!r}"
            )
