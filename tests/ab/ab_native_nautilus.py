"""Golden strategy 1 written natively for NautilusTrader's own execution: the A/B baseline of
Nautilus native mode (ADR 0019).

Plain ``nautilus_trader`` only, no finbot module: bars stamped at their close carrying their real
volume, one margin venue at leverage 1 with the risk engine on, an ``Equity`` at 100 % margin, and
market orders submitted in ``on_bar`` as the strategy decides them, so Nautilus's matching fills
them. The strategy keeps its own float ledger to size entries, as a trader's script would.
"""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("XNAS")
DAY_NS = 86_400 * 10**9


class SmaCrossNative(Strategy):  # type: ignore[misc]
    """Long ``fraction`` of equity when the fast SMA crosses above the slow one; flat below it."""

    def __init__(self, bar_type: BarType, fast: int, slow: int, fraction: float, cash: float):
        super().__init__(StrategyConfig(strategy_id="SMA-NATIVE", order_id_tag="002"))
        self.bar_type = bar_type
        self.iid = bar_type.instrument_id
        self.fast, self.slow, self.fraction = fast, slow, fraction
        self.closes: deque[float] = deque(maxlen=slow)
        self.last_diff: float | None = None
        self.cash = cash
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
        held = float(self.portfolio.net_position(self.iid))
        if previous < 0 and fast > slow:
            target = math.floor((self.cash + held * close) * self.fraction / close)
            if target > held:
                qty = Quantity(int(target - held), 0)
                self.submit_order(self.order_factory.market(self.iid, OrderSide.BUY, qty))
        elif previous > 0 and fast < slow and held > 0:
            qty = Quantity(int(held), 0)
            self.submit_order(self.order_factory.market(self.iid, OrderSide.SELL, qty))


def run_native(
    symbol: str,
    columns: tuple[tuple[int, ...], tuple[float, ...], ...],
    *,
    cash: float,
    precision: int,
    fast: int,
    slow: int,
    fraction: float,
) -> tuple[list[tuple[str, float, float, int]], float]:
    """Fills (side, quantity, price, index of the bar that filled them) and the final equity."""
    ts_ns, opens, highs, lows, closes, volumes = columns
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("AB-001"), logging=LoggingConfig(bypass_logging=True)
        )
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        base_currency=USD,
        default_leverage=Decimal(1),
        starting_balances=[Money(cash, USD)],
    )
    iid = InstrumentId(Symbol(symbol), VENUE)
    engine.add_instrument(
        Equity(
            instrument_id=iid,
            raw_symbol=Symbol(symbol),
            currency=USD,
            price_precision=precision,
            price_increment=Price(10.0**-precision, precision),
            lot_size=Quantity.from_int(1),
            ts_event=0,
            ts_init=0,
            margin_init=Decimal(1),
            margin_maint=Decimal(1),
        )
    )
    bar_type = BarType.from_str(f"{iid}-1-DAY-LAST-EXTERNAL")
    closes_at = [ts + DAY_NS - 1 for ts in ts_ns]
    engine.add_data(
        [
            Bar(
                bar_type,
                Price(o, precision),
                Price(h, precision),
                Price(lo, precision),
                Price(c, precision),
                Quantity(round(v), 0),
                at,
                at,
            )
            for at, o, h, lo, c, v in zip(
                closes_at, opens, highs, lows, closes, volumes, strict=True
            )
        ]
    )
    strategy = SmaCrossNative(bar_type, fast, slow, fraction, cash)
    engine.add_strategy(strategy)
    try:
        engine.run()
        held = float(engine.portfolio.net_position(iid))
        index = {at: i for i, at in enumerate(closes_at)}
        fills = [(side, qty, px, index[ts]) for side, qty, px, ts in strategy.fills]
        return fills, strategy.cash + held * closes[-1]
    finally:
        engine.dispose()
