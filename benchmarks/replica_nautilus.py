"""Golden strategy 1 written for NautilusTrader in the shape of finbot's replica adapter.

Plain ``nautilus_trader`` only (no finbot code), but set up to do the same engine work as finbot's
replica-mode adapter (``nautilus``): one cash venue with the risk engine bypassed, one ``Equity``
whose price precision represents every price exactly, each bar preceded by one ``TradeTick`` at its
open (bars stamped at their close), unlimited liquidity on both. Market orders decided on a bar are
held until the next open tick, then submitted (the contract's ``next_open`` policy); exits are
``reduce_only`` for the exact position. That is no way a Nautilus user would write it: it is the
one baseline that trades exactly as the replica does, so the ratio isolates the adapter's own cost.
The idiomatic strategy, independent of any adapter, is ``native_nautilus.py`` (the baseline of
native mode). Fee model and helpers come from there.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from native_nautilus import CentPercentFee, bar_spec, bar_step_ns, exact_precision
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig, StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AccountType, AggressorSide, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TradeId, TraderId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("SIM")
_DAY_NS = 86_400 * 10**9
_Y2K_NS = 10_957 * _DAY_NS  # 2000-01-01 00:00 UTC
_LIQUIDITY = 10**12  # bar volume and open tick size: the book's depth must never bind


class SmaCrossoverNT(Strategy):  # type: ignore[misc]
    """Long ``target_fraction`` of equity on the fast SMA's cross above the slow; flat below.

    A cross is judged against the last non-zero fast-slow difference; SMAs are ``fsum`` windows.
    """

    def __init__(
        self,
        bar_type: BarType,
        instrument: Equity,
        fast: int,
        slow: int,
        target_fraction: float,
        start_cash: float,
    ) -> None:
        super().__init__(StrategyConfig(strategy_id="SMA", order_id_tag="001"))
        self.bar_type = bar_type
        self.instrument = instrument
        self.iid = instrument.id
        self.fast = fast
        self.slow = slow
        self.fraction = target_fraction
        self.closes: deque[float] = deque(maxlen=slow)
        self.last_diff: float | None = None
        self.pending: list[Any] = []
        self.fills = 0
        self.last_close = 0.0
        self.cash = start_cash  # booked from the fills in floats, as finbot's runner books it

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)
        self.subscribe_trade_ticks(self.iid)

    def on_trade_tick(self, tick: TradeTick) -> None:
        # The open tick of the next bar: orders decided on the previous bar go in now.
        if self.pending:
            for order in self.pending:
                self.submit_order(order)
            self.pending.clear()

    def on_order_filled(self, event: Any) -> None:
        self.fills += 1
        qty = event.last_qty.as_double()
        signed = qty if event.order_side == OrderSide.BUY else -qty
        self.cash -= signed * event.last_px.as_double() + event.commission.as_double()

    def on_bar(self, bar: Bar) -> None:
        close = bar.close.as_double()
        self.last_close = close
        closes = self.closes
        closes.append(close)
        if len(closes) < self.slow:
            return
        window = list(closes)
        fast = math.fsum(window[self.slow - self.fast :]) / self.fast
        slow = math.fsum(window) / self.slow
        diff = fast - slow
        previous = self.last_diff
        if diff or previous is None:
            self.last_diff = diff
        if previous is None:
            return
        held = self.held()
        if previous < 0 and fast > slow:
            # Sized from the strategy's own float ledger, not Nautilus's whole-cent account: they
            # drift apart by up to half a cent per fill, which flips floor() once equity is small.
            equity = self.cash + held * close
            target = math.floor(equity * self.fraction / close)
            delta = target - held
            if delta > 0:
                self.pending.append(
                    self.order_factory.market(self.iid, OrderSide.BUY, Quantity(delta, 0))
                )
            elif delta < 0:
                self.pending.append(
                    self.order_factory.market(
                        self.iid, OrderSide.SELL, Quantity(-delta, 0), reduce_only=True
                    )
                )
        elif previous > 0 and fast < slow and held > 0:
            self.pending.append(
                self.order_factory.market(
                    self.iid, OrderSide.SELL, Quantity(held, 0), reduce_only=True
                )
            )

    def held(self) -> float:
        return float(self.portfolio.net_position(self.iid))


@dataclass(frozen=True)
class NativeOutcome:
    """What a native run did: enough to check it against the adapter."""

    fills: int
    final_equity: float  # starting cash plus the fills, in floats (how finbot's books count)
    account_equity: float  # Nautilus's cash account (whole cents per fill) plus the position


def build(
    symbol: str,
    ts_ns: tuple[int, ...],
    columns: tuple[tuple[float, ...], ...],
    *,
    cash: float,
    commission_bps: float,
    price_precision: int,
    fast: int,
    slow: int,
    target_fraction: float,
) -> tuple[BacktestEngine, SmaCrossoverNT]:
    """An engine loaded with the bars (stamped at their close) and their open ticks."""
    opens, highs, lows, closes = columns[:4]  # volume is not used: liquidity is unlimited
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("BENCH-001"),
            logging=LoggingConfig(bypass_logging=True),
            # Nautilus's post-run statistics (pandas) only feed its log, which is bypassed.
            run_analysis=False,
            risk_engine=RiskEngineConfig(bypass=True),
        )
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=USD,
        starting_balances=[Money.from_str(f"{cash:.2f} USD")],
        fee_model=CentPercentFee(commission_bps),
    )
    iid = InstrumentId(Symbol(symbol), VENUE)
    increment = Price(10.0**-price_precision, price_precision)
    instrument = Equity(
        instrument_id=iid,
        raw_symbol=Symbol(symbol),
        currency=USD,
        price_precision=price_precision,
        price_increment=increment,
        lot_size=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
    )
    engine.add_instrument(instrument)
    step = bar_step_ns(ts_ns)
    # Nautilus clocks are unsigned, and instants near 0 crashed 1.221.0 (double free): move data
    # from before 2000 forward by whole days (prices and trades do not depend on the date).
    shift = (_Y2K_NS - ts_ns[0]) // _DAY_NS * _DAY_NS if ts_ns[0] < _Y2K_NS else 0
    bar_type = BarType.from_str(f"{iid}-{bar_spec(step)}-LAST-EXTERNAL")
    p = price_precision
    size = Quantity(_LIQUIDITY, 0)
    rows: list[Bar | TradeTick] = []
    for i, ts in enumerate(ts_ns):
        # A bar is known at its close (1 ns before the next bar opens); its open tick at the open.
        ts += shift
        closed = ts + step - 1
        open_price = Price(opens[i], p)
        rows.append(
            TradeTick(iid, open_price, size, AggressorSide.NO_AGGRESSOR, TradeId(str(i)), ts, ts)
        )
        rows.append(
            Bar(
                bar_type,
                open_price,
                Price(highs[i], p),
                Price(lows[i], p),
                Price(closes[i], p),
                size,
                closed,
                closed,
            )
        )
    engine.add_data(rows)
    strategy = SmaCrossoverNT(bar_type, instrument, fast, slow, target_fraction, cash)
    engine.add_strategy(strategy)
    return engine, strategy


def run(
    symbol: str,
    ts_ns: tuple[int, ...],
    columns: tuple[tuple[float, ...], ...],
    *,
    cash: float,
    commission_bps: float,
    this_close: bool,
    fast: int,
    slow: int,
    target_fraction: float,
    price_precision: int | None = None,
) -> NativeOutcome:
    """Build the engine from the columns ``(open, high, low, close, volume)`` and run it once."""
    if this_close:
        raise NotImplementedError("the native Nautilus baseline implements next_open fills only")
    engine, strategy = build(
        symbol,
        ts_ns,
        columns,
        cash=cash,
        commission_bps=commission_bps,
        price_precision=exact_precision(columns[:4])
        if price_precision is None
        else price_precision,
        fast=fast,
        slow=slow,
        target_fraction=target_fraction,
    )
    try:
        engine.run()
        account = engine.cache.account_for_venue(VENUE)
        held_value = strategy.held() * strategy.last_close
        return NativeOutcome(
            fills=strategy.fills,
            final_equity=strategy.cash + held_value,
            account_equity=account.balance_total(USD).as_double() + held_value,
        )
    finally:
        engine.dispose()
