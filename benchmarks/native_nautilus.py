"""Golden strategy 1 (SMA crossover) as a NautilusTrader user writes it, in no adapter's shape.

Plain ``nautilus_trader`` only, set up the way Nautilus's own examples do it, not the way finbot's
adapter drives Nautilus: bars only (no synthetic ticks), each stamped at its close and carrying its
real volume (Nautilus's bar execution decides liquidity); one margin venue at leverage 1 with the
risk engine on and an ``Equity`` at 100 % margin; market orders submitted in ``on_bar`` as the
strategy decides them, so Nautilus's matching fills them (at that bar's close). The strategy keeps
its own float ledger to size entries, as a trader's script would. A ``FeeModel`` charges percent of
notional rounded half up to the cent. Nautilus's logging and post-run analysis are off.

The benchmark's baseline for finbot's Nautilus native mode (``nautilus-native``, which does the same
engine work), and the native side of ``tests/ab/test_ab_nautilus_native.py``.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.backtest.models import FeeModel
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("XNAS")
_CENT = Decimal("0.01")
_BPS = Decimal(10_000)
_MONEY_RAW_PER_CENT = 10**14  # Money's fixed-point scale is 1e16; USD has 2 decimals
_DAY_NS = 86_400 * 10**9
_Y2K_NS = 10_957 * _DAY_NS  # 2000-01-01 00:00 UTC
_MAX_PRICE_DECIMALS = 15

Fill = tuple[str, float, float, int]  # side, quantity, price, index of the bar that filled it


class CentPercentFee(FeeModel):  # type: ignore[misc]
    """Percent-of-notional commission, computed in decimal and rounded half up to the cent."""

    def __init__(self, bps: float) -> None:
        super().__init__()
        self._rate = Decimal(repr(bps)) / _BPS

    def get_commission(self, order: Any, fill_qty: Any, fill_px: Any, instrument: Any) -> Money:
        notional = Decimal(repr(fill_qty.as_double())) * Decimal(repr(fill_px.as_double()))
        cents = int((notional * self._rate).quantize(_CENT, rounding=ROUND_HALF_UP) * 100)
        return Money.from_raw(cents * _MONEY_RAW_PER_CENT, USD)


class SmaCrossNative(Strategy):  # type: ignore[misc]
    """Long ``fraction`` of equity when the fast SMA crosses above the slow one; flat below it.

    A cross is judged against the last non-zero fast-slow difference; SMAs are ``fsum`` windows.
    """

    def __init__(self, bar_type: BarType, fast: int, slow: int, fraction: float, cash: float):
        super().__init__(StrategyConfig(strategy_id="SMA-NATIVE", order_id_tag="002"))
        self.bar_type = bar_type
        self.iid = bar_type.instrument_id
        self.fast, self.slow, self.fraction = fast, slow, fraction
        self.closes: deque[float] = deque(maxlen=slow)
        self.last_diff: float | None = None
        self.cash = cash
        self.last_close = 0.0
        self.fills: list[tuple[str, float, float, int]] = []  # side, qty, price, ts_event

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_order_filled(self, event: Any) -> None:
        qty, px = event.last_qty.as_double(), event.last_px.as_double()
        buy = event.order_side == OrderSide.BUY
        self.cash -= (qty if buy else -qty) * px + event.commission.as_double()
        self.fills.append(("buy" if buy else "sell", qty, px, event.ts_event))

    def on_bar(self, bar: Bar) -> None:
        close = bar.close.as_double()
        self.last_close = close
        self.closes.append(close)
        if len(self.closes) < self.slow:
            return
        window = list(self.closes)
        fast = math.fsum(window[self.slow - self.fast :]) / self.fast
        slow = math.fsum(window) / self.slow
        diff, previous = fast - slow, self.last_diff
        if diff or previous is None:
            self.last_diff = diff
        if previous is None:
            return
        held = self.held()
        if previous < 0 and fast > slow:
            target = math.floor((self.cash + held * close) * self.fraction / close)
            if target > held:
                qty = Quantity(int(target - held), 0)
                self.submit_order(self.order_factory.market(self.iid, OrderSide.BUY, qty))
        elif previous > 0 and fast < slow and held > 0:
            qty = Quantity(int(held), 0)
            self.submit_order(self.order_factory.market(self.iid, OrderSide.SELL, qty))

    def held(self) -> float:
        return float(self.portfolio.net_position(self.iid))


@dataclass(frozen=True)
class NativeOutcome:
    """What a native run did: its fills and its final equity (own float ledger plus position)."""

    fills: tuple[Fill, ...]
    final_equity: float


def run(
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
) -> NativeOutcome:
    """Build the engine from bars ``(open, high, low, close, volume)`` opened at ``ts_ns``; run it.

    Each bar is stamped at its close (its open plus the bar length, the smallest gap between
    bars). Nautilus's clock is unsigned, so data from before 2000 is moved forward by whole days
    (prices and trades do not depend on the date).
    """
    opens, highs, lows, closes, volumes = columns
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("NATIVE-001"),
            logging=LoggingConfig(bypass_logging=True),
            run_analysis=False,
        )
    )
    try:
        engine.add_venue(
            venue=VENUE,
            oms_type=OmsType.NETTING,
            account_type=AccountType.MARGIN,
            base_currency=USD,
            default_leverage=Decimal(1),
            starting_balances=[Money.from_str(f"{cash:.2f} USD")],
            fee_model=CentPercentFee(commission_bps),
        )
        iid = InstrumentId(Symbol(symbol), VENUE)
        p = price_precision
        engine.add_instrument(
            Equity(
                instrument_id=iid,
                raw_symbol=Symbol(symbol),
                currency=USD,
                price_precision=p,
                price_increment=Price(10.0**-p, p),
                lot_size=Quantity.from_int(1),
                ts_event=0,
                ts_init=0,
                margin_init=Decimal(1),
                margin_maint=Decimal(1),
            )
        )
        step = bar_step_ns(ts_ns)
        shift = (_Y2K_NS - ts_ns[0]) // _DAY_NS * _DAY_NS if ts_ns[0] < _Y2K_NS else 0
        bar_type = BarType.from_str(f"{iid}-{bar_spec(step)}-LAST-EXTERNAL")
        closes_at = [ts + shift + step for ts in ts_ns]
        engine.add_data(
            [
                Bar(
                    bar_type,
                    Price(o, p),
                    Price(h, p),
                    Price(lo, p),
                    Price(c, p),
                    Quantity(round(v), 0),
                    at,
                    at,
                )
                for at, o, h, lo, c, v in zip(
                    closes_at, opens, highs, lows, closes, volumes, strict=True
                )
            ]
        )
        strategy = SmaCrossNative(bar_type, fast, slow, target_fraction, cash)
        engine.add_strategy(strategy)
        engine.run()
        index = {at: i for i, at in enumerate(closes_at)}
        fills = tuple((side, qty, px, index[ts]) for side, qty, px, ts in strategy.fills)
        return NativeOutcome(fills, strategy.cash + strategy.held() * strategy.last_close)
    finally:
        engine.dispose()


def exact_precision(price_columns: tuple[tuple[float, ...], ...]) -> int:
    """Decimals that write every price exactly (shortest repr), at least 2, capped at 15."""
    digits = 2
    for column in price_columns:
        for value in column:
            exponent = Decimal(repr(value)).as_tuple().exponent
            if isinstance(exponent, int) and -exponent > digits:
                digits = -exponent
            if digits >= _MAX_PRICE_DECIMALS:
                return _MAX_PRICE_DECIMALS
    return digits


def bar_step_ns(ts_ns: tuple[int, ...]) -> int:
    """The bar's length: the smallest gap between bars (daily: one day, 5-minute: 5 minutes)."""
    return min((b - a for a, b in itertools.pairwise(ts_ns)), default=_DAY_NS)


def bar_spec(step_ns: int) -> str:
    """Nautilus's bar specification for bars ``step_ns`` long (whole minutes)."""
    minutes, rest = divmod(step_ns, 60 * 10**9)
    if rest:
        raise ValueError(f"bars {step_ns} ns apart are not a whole number of minutes")
    if minutes % 1440 == 0:
        return f"{minutes // 1440}-DAY"
    return f"{minutes}-MINUTE"
