"""Native mode: contract orders go to Nautilus as placed, and Nautilus's own models decide fills.

Nautilus's matching engine (bar execution, bar volume as liquidity), ``FillModel``,
``LatencyModel``, risk engine and margin account decide every fill; finbot's ``StrategyRunner``
books what Nautilus reports, so its ledger shadows Nautilus's account (checked at the end). Parity
with Backtrader is a measured difference here (``finbot.parity.fill_differences``), never a gate;
the exact gate stays on replica mode (``NautilusEngine``). Issue 12;
docs/adr/0019-nautilus-native-mode.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.backtest.models import FillModel, LatencyModel
from nautilus_trader.common.component import is_backtest_force_stop
from nautilus_trader.model.data import Bar as NtBar
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.enums import OrderSide as NtSide
from nautilus_trader.model.enums import TimeInForce as NtTimeInForce
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Price, Quantity

from finbot.contracts import (
    BacktestResult,
    ConfigError,
    DataValidationError,
    EngineRunError,
    MarketData,
    NativeAccount,
    NativeExecution,
    NativeLiquidity,
    OrderRequest,
    OrderSide,
    OrderType,
    RunConfig,
    Strategy,
    StrategyRunner,
    TimeInForce,
)

from ._fees import CostModelFee
from ._native_config import NativeSettings, native_details
from ._nautilus_run import (
    BarDriver,
    add_instruments,
    check_currency,
    engine_info,
    new_engine,
    starting_balance,
)
from ._translate import (
    LIQUIDITY,
    VENUE,
    bar_interval,
    currency,
    per_step,
    time_shift,
)
from ._translate import quantity as whole_quantity

ENGINE_ID = "nautilus-native"


class _NativeSession:
    """The runner's ``OrderRouter`` and step clock; Nautilus's order events wait for the next step.

    A contract strategy learns of fills and order updates before a step's ``on_bar`` (never in the
    middle of one), so the events Nautilus emits are queued and delivered just before the runner
    takes the next step, each labelled with the step whose bars Nautilus was processing.
    """

    def __init__(self) -> None:
        self.timeline: tuple[int, ...] = ()
        self.counts: list[int] = []  # bars per step
        self.runner: StrategyRunner
        self.driver: _NativeDriver
        self.nt_ids: dict[str, InstrumentId] = {}
        self.precision: dict[str, int] = {}
        self.step = 0
        self._bars = 0
        self._events: list[Callable[[], object]] = []
        self._by_client_id: dict[Any, str] = {}
        self._by_order_id: dict[str, Any] = {}
        self.fill_count = 0
        self.running = False

    def bind(self, runner: StrategyRunner, data: MarketData) -> None:
        self.runner = runner
        self.timeline = runner.timeline
        self.shift = time_shift(self.timeline)
        self.close_offset = bar_interval(self.timeline) - 1
        # Nautilus's clock stands at a bar's close stamp while it processes that bar.
        self._closes = [ts + self.shift + self.close_offset for ts in self.timeline]
        stamps: list[Sequence[int]] = [data.bars(iid).ts_ns for iid in data.instrument_ids]
        self.counts = per_step(self.timeline, stamps)

    # --- OrderRouter ----------------------------------------------------------------------------
    def submit(self, order_id: str, request: OrderRequest) -> None:
        qty = whole_quantity(request.quantity)
        if qty is None:
            self.runner.rejected(
                order_id,
                self.runner.now_ns,
                f"quantity {request.quantity} is not a whole number; Nautilus trades whole units",
            )
            return
        order = self._order(request, qty)
        self._by_client_id[order.client_order_id] = order_id
        self._by_order_id[order_id] = order
        self.driver.submit_order(order)

    def cancel(self, order_id: str) -> None:
        order = self._by_order_id.get(order_id)
        if self.running and order is not None and order.is_open:
            self.driver.cancel_order(order)

    def _order(self, request: OrderRequest, qty: Quantity) -> Any:
        factory = self.driver.order_factory
        nt_id = self.nt_ids[request.instrument_id]
        precision = self.precision[request.instrument_id]
        side = NtSide.BUY if request.side is OrderSide.BUY else NtSide.SELL
        tif = NtTimeInForce.DAY if request.time_in_force is TimeInForce.DAY else NtTimeInForce.GTC
        kind = request.order_type
        if kind is OrderType.MARKET:
            return factory.market(nt_id, side, qty, time_in_force=tif)
        if kind is OrderType.LIMIT:
            assert request.limit_price is not None
            price = Price(request.limit_price, precision)
            return factory.limit(nt_id, side, qty, price, time_in_force=tif)
        assert request.stop_price is not None
        trigger = Price(request.stop_price, precision)
        if kind is OrderType.STOP:
            return factory.stop_market(nt_id, side, qty, trigger, time_in_force=tif)
        assert request.limit_price is not None
        price = Price(request.limit_price, precision)
        return factory.stop_limit(nt_id, side, qty, price, trigger, time_in_force=tif)

    # --- driven by the Nautilus strategy --------------------------------------------------------
    def on_bar(self) -> None:
        self._bars += 1
        if self._bars == self.counts[self.step]:
            self._bars = 0
            self.flush()
            self.runner.step(self.timeline[self.step])
            self.step += 1

    def queue(self, event: Any, report: Callable[[str, int], object]) -> None:
        """Hold an order event for delivery before the next step.

        Its label is the step whose bar Nautilus had processed when the event happened (for a
        fill: the bar whose market filled it), from the event's own timestamp.
        """
        order_id = self._by_client_id.get(event.client_order_id)
        if order_id is None:
            return
        k = max(bisect_right(self._closes, event.ts_event) - 1, 0)
        label = self.timeline[k]
        self._events.append(lambda: report(order_id, label))

    def filled(self, event: Any) -> None:
        self.fill_count += 1
        # Rounded to the values' own precision: Nautilus's fixed-point as_double() is off in the
        # last bit for some values (Quantity(63493, 0).as_double() == 63492.99999999999).
        last_qty, last_px = event.last_qty, event.last_px
        qty = round(last_qty.as_double(), last_qty.precision)
        px = round(last_px.as_double(), last_px.precision)
        self.queue(event, lambda oid, ts: self.runner.filled(oid, qty, px, ts))

    def flush(self) -> None:
        events, self._events = self._events, []
        for deliver in events:
            deliver()


class _NativeDriver(BarDriver):
    """The Nautilus strategy of a native run: bars step the runner; order events are queued."""

    _session: _NativeSession

    def on_order_accepted(self, event: Any) -> None:
        self._session.queue(event, self._session.runner.accepted)

    def on_order_filled(self, event: Any) -> None:
        self._session.filled(event)

    def on_order_canceled(self, event: Any) -> None:
        self._session.queue(event, self._session.runner.canceled)

    def on_order_expired(self, event: Any) -> None:
        self._session.queue(event, self._session.runner.expired)

    def refused(self, event: Any, how: str) -> None:
        reason = f"nautilus {how}: {event.reason}"
        runner = self._session.runner
        self._session.queue(event, lambda oid, ts: runner.rejected(oid, ts, reason))


def native_feed(
    data: MarketData,
    iid: str,
    kind: Any,
    precision: int,
    shift: int,
    close_offset: int,
    liquidity: NativeLiquidity = NativeLiquidity.BAR_VOLUME,
) -> list[NtBar]:
    """The instrument's bars as Nautilus bars stamped at their close.

    Their volume is the liquidity Nautilus's bar execution offers: the bar's real volume, or
    under ``unlimited`` as much as replica mode offers (``LIQUIDITY``), so nothing fills partly.
    """
    series = data.bars(iid)
    volume: Any = series.volume
    if liquidity == NativeLiquidity.UNLIMITED:
        volume = [LIQUIDITY] * len(series)
    columns = (series.ts_ns, series.open, series.high, series.low, series.close, volume)
    return [
        NtBar(
            kind,
            Price(o, precision),
            Price(h, precision),
            Price(lo, precision),
            Price(c, precision),
            Quantity(round(v), 0),
            ts + shift + close_offset,
            ts + shift + close_offset,
        )
        for ts, o, h, lo, c, v in zip(*columns, strict=True)
    ]


class NautilusNativeEngine:
    """Runs contract strategies on NautilusTrader's own execution (``engine == "nautilus-native"``).

    Orders reach Nautilus as the strategy placed them; Nautilus's matching (bars executed
    open-high-low-close, bar volume as liquidity), ``FillModel``, ``LatencyModel``, risk engine and
    account decide which fill, when and at what price, as the run config's ``native`` settings
    (``NativeExecution``; the defaults when unset) configure them. The run's ``fill_policy``
    does not apply: Nautilus fills a market order against the book it has when the order arrives
    (the submission bar's close without latency). The cost model's commission is charged through
    Nautilus's fee model; ``slippage_bps`` is refused (Nautilus slips by ticks, ``prob_slippage``).
    """

    def __init__(self, settings: NativeSettings | None = None, *, verbose: bool = False) -> None:
        settings = settings or NativeSettings()
        if verbose and not settings.verbose:
            settings = replace(settings, verbose=True)
        self.settings = settings

    @property
    def name(self) -> str:
        """The engine id, ``nautilus-native``."""
        return ENGINE_ID

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Run ``strategy`` over ``data`` with Nautilus deciding every fill.

        Raises:
            ConfigError: slippage_bps is set, or an instrument is quoted in another currency.
            DataValidationError: the data has no bars.
            EngineRunError: Nautilus stopped early, or finbot's ledger and Nautilus's account
                disagree at the end beyond ``NativeSettings.shadow_rel_tolerance``.
        """
        _check_config(config, data)
        native = config.native or NativeExecution()
        session = _NativeSession()
        runner = StrategyRunner(strategy, config, data, session)
        timeline = runner.timeline
        if not timeline:
            raise DataValidationError("the data has no bars to run on", source=data.name)
        session.bind(runner, data)
        engine = self._build(config, data, session, native)
        try:
            session.running = True
            runner.start()
            engine.run()
            session.running = False
            session.flush()
            if session.step != len(timeline):
                raise EngineRunError(_stopped_early(engine, session, config, native))
            runner.stop()
            _shadow_check(engine, runner, session, config, self.settings)
        finally:
            engine.dispose()
        return runner.result(
            engine_info(ENGINE_ID, native_details(native))
        )

    def _build(
        self, config: RunConfig, data: MarketData, session: _NativeSession, s: NativeExecution
    ) -> BacktestEngine:
        margin = s.account == NativeAccount.MARGIN
        engine = new_engine(verbose=self.settings.verbose, bypass_risk=not s.risk_engine)
        try:
            engine.add_venue(
                venue=VENUE,
                oms_type=OmsType.NETTING,
                account_type=AccountType.MARGIN if margin else AccountType.CASH,
                base_currency=currency(config.currency),
                default_leverage=Decimal(1) if margin else None,
                starting_balances=[starting_balance(config)],
                fill_model=FillModel(
                    prob_fill_on_limit=s.prob_fill_on_limit,
                    prob_slippage=s.prob_slippage,
                    random_seed=config.seed,
                ),
                latency_model=LatencyModel(base_latency_nanos=round(s.latency_ms * 1_000_000)),
                fee_model=CostModelFee(session.runner.commission, lambda _order, px: px),
                bar_execution=True,
            )
            interval = bar_interval(session.timeline)
            kinds, rows = [], []
            for iid, nt_id, kind, precision in add_instruments(
                engine, data, interval, _fully_margined
            ):
                kinds.append(kind)
                session.nt_ids[iid] = nt_id
                session.precision[iid] = precision
                rows.extend(
                    native_feed(
                        data, iid, kind, precision, session.shift, session.close_offset, s.liquidity
                    )
                )
            engine.add_data(rows)
            session.driver = _NativeDriver(session, kinds)
            engine.add_strategy(session.driver)
        except BaseException:
            engine.dispose()
            raise
        return engine


def _fully_margined(instrument: Equity) -> Equity:
    """The equity with 100 % initial and maintenance margin (a short reserves its full value)."""
    return Equity.from_dict({**Equity.to_dict(instrument), "margin_init": "1", "margin_maint": "1"})


def _check_config(config: RunConfig, data: MarketData) -> None:
    if data.corporate_actions:
        raise ConfigError(
            f"the data carries {len(data.corporate_actions)} corporate action(s); Nautilus native "
            "mode does not apply splits or dividends: run it on adjusted prices "
            "(--prices total-return) or use the adapter's replica mode"
        )
    if config.cost_model.slippage_bps:
        raise ConfigError(
            f"cost_model.slippage_bps is {config.cost_model.slippage_bps}; Nautilus native mode "
            "slips by whole ticks through its FillModel instead (native prob_slippage, "
            "--prob-slippage)"
        )
    if config.cost_model.spread_bps:
        raise ConfigError(
            f"cost_model.spread_bps is {config.cost_model.spread_bps}; Nautilus native mode fills "
            "on its own book built from the bars and cannot add a configured spread"
        )
    costs = config.cost_model
    if costs.volume_limit is not None or costs.volume_impact or costs.impact_y:
        raise ConfigError(
            "cost_model volume_limit/volume_impact/impact_y are applied by finbot's fill rules; "
            "Nautilus native mode fills by its own matching (use the replica mode for them)"
        )
    account = config.account
    if account.borrow_rate or account.funding_rate:
        # Nautilus's own account decides here (native.account, ADR 0025), and it charges no
        # financing; ADR 0022's account kind and margin rule are the other engines'.
        raise ConfigError(
            f"account is {account.describe()}; Nautilus native mode charges no borrow or funding "
            "(its venue account comes from the native settings, --native-account)"
        )
    check_currency(config, data)


def _stopped_early(
    engine: BacktestEngine, session: _NativeSession, config: RunConfig, native: NativeExecution
) -> str:
    """Why Nautilus ended the run before its last step, as far as its account tells."""
    steps = f"nautilus stopped after {session.step} of {len(session.timeline)} steps"
    filled = [o for o in engine.cache.orders() if o.filled_qty.as_double() > 0]
    if is_backtest_force_stop() and native.account == NativeAccount.CASH and filled:
        # Nautilus halts a backtest whose cash balance would go negative (AccountBalanceNegative)
        # and delivers that fill to no strategy. Its risk engine cannot price market orders on
        # bars, so an order sized at one close can fill above the cash at a later one.
        last = filled[-1]
        qty, px = last.filled_qty.as_double(), last.avg_px
        return (
            f"{steps}: a fill beyond the cash account's balance halted it ({last.side_string()} "
            f"{qty:g} at {px:g} = {qty * px:,.2f} {config.currency}, cash "
            f"{session.runner.cash:,.2f}); the margin account (--native-account margin, the "
            "default) runs such orders"
        )
    return f"{steps}; run with --verbose to see nautilus's log"


def _shadow_check(
    engine: BacktestEngine,
    runner: StrategyRunner,
    session: _NativeSession,
    config: RunConfig,
    settings: NativeSettings,
) -> None:
    """The ledger that booked Nautilus's fills must agree with Nautilus's account at the end."""
    cur = currency(config.currency)
    account = engine.cache.account_for_venue(VENUE)
    theirs = account.balance_total(cur).as_double()
    for iid, nt_id in session.nt_ids.items():
        held = float(engine.portfolio.net_position(nt_id))
        ours_held = runner.positions.get(iid, 0.0)
        if abs(held - ours_held) > 1e-9:
            raise EngineRunError(
                f"final position in {iid} disagrees: finbot {ours_held!r}, nautilus {held!r}"
            )
        unrealized = engine.portfolio.unrealized_pnl(nt_id)
        if held and unrealized is not None:
            theirs += unrealized.as_double()
    ours = runner.equity()
    allowed = settings.shadow_rel_tolerance * max(abs(ours), 1.0) + 0.01 * session.fill_count
    if abs(ours - theirs) > allowed:
        raise EngineRunError(
            f"finbot's ledger and nautilus's account disagree at the end: {ours!r} vs "
            f"{theirs!r} (allowed {allowed:.6g})"
        )
