"""A seeded random order generator written against finbot.contracts only, for cross-engine parity.

``RandomOrders`` places market, limit, stop and stop-limit orders (DAY and GTC), cancels, deliberate
cash overdrafts and ``order_target_percent`` rebalances, all driven by ``random.Random(seed)``.
With ``order_kinds=True`` it also gives limits and stops IOC/FOK time in force and modifies
working orders (``ctx.modify_order``); off, the random stream is exactly the original one.
It stays clear of the differences ADR 0007 documents (short sales, a limit or stop placed the step
before its instrument misses a session, an earlier sell funding a buy within one step), so any
disagreement it finds is news. It may peek at the next bar to place prices exactly on a bar's
open, high or low: the boundary cases where two matching engines most easily part ways.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from finbot.contracts import (
    Bar,
    MarketData,
    OrderSide,
    OrderUpdate,
    Strategy,
    StrategyContext,
    TimeInForce,
)

# Buys are sized against cash minus what open buys might still cost, priced with this headroom
# for a gap, plus a commission allowance, and never counting what open sells might bring in: no
# buy then needs a sell's proceeds from the same step (ADR 0007, third known difference).
_GAP_HEADROOM = 1.15
_FEE_BPS = 0.002
_FEE_PER_SHARE = 0.01
_FEE_FLAT = 2.0


def _cents(price: float) -> float:
    return max(0.01, round(price, 2))


@dataclass(frozen=True, slots=True)
class _Order:
    """What every kind of order needs to know about its instrument at this step."""

    iid: str
    close: float
    free: int
    tif: TimeInForce
    next_bar: Bar | None


class RandomOrders(Strategy):
    """Random but valid-looking order flow; ``intents`` counts what it asked for, by kind."""

    strategy_id = "random_orders"

    def __init__(
        self,
        seed: int,
        data: MarketData,
        *,
        actions_per_step: float = 1.0,
        order_kinds: bool = False,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.order_kinds = order_kinds
        self.rng = random.Random(seed)
        self.data = data
        self.intents: Counter[str] = Counter()
        timeline = sorted({ts for series in data for ts in series.ts_ns})
        self._index = {ts: k for k, ts in enumerate(timeline)}
        self._last_step = len(timeline) - 1
        # instrument -> steps after which it misses the next step of the timeline
        self._before_gap: dict[str, set[int]] = {}
        for series in data:
            has = set(series.ts_ns)
            self._before_gap[series.instrument_id] = {
                k for k, ts in enumerate(timeline[:-1]) if ts in has and timeline[k + 1] not in has
            }
        self._p_act = actions_per_step / max(1, len(data.instrument_ids))
        self._reserve: dict[str, float] = {}

    # --- bookkeeping the sizing rules rely on ------------------------------------------------
    def on_order_update(self, ctx: StrategyContext, update: OrderUpdate) -> None:
        if update.status.is_final:
            self._reserve.pop(update.order_id, None)

    def _available_cash(self, ctx: StrategyContext) -> float:
        return ctx.cash - sum(self._reserve.values())

    def _free_position(self, ctx: StrategyContext, iid: str) -> float:
        """Units not yet promised to an open sell, so no sell can ever go short."""
        promised = sum(
            o.request.quantity - o.filled_quantity
            for o in ctx.open_orders(iid)
            if o.request.side is OrderSide.SELL
        )
        return max(0.0, ctx.position(iid) - promised)

    def _open_sells(self, ctx: StrategyContext) -> bool:
        return any(o.request.side is OrderSide.SELL for o in ctx.open_orders())

    def _next_bar(self, ctx: StrategyContext, iid: str) -> Bar | None:
        series = self.data.bars(iid)
        i = ctx.bar_count(iid)
        return series[i] if i < len(series) else None

    def _buy(
        self,
        ctx: StrategyContext,
        kind: str,
        iid: str,
        qty: float,
        reference: float,
        *,
        limit: float | None = None,
        stop: float | None = None,
        tif: TimeInForce = TimeInForce.GTC,
        reserve: bool = True,
    ) -> None:
        order_id = ctx.buy(iid, qty, limit_price=limit, stop_price=stop, time_in_force=tif)
        if reserve:
            notional = qty * reference * _GAP_HEADROOM
            self._reserve[order_id] = notional * (1 + _FEE_BPS) + qty * _FEE_PER_SHARE + _FEE_FLAT
        self.intents[kind] += 1

    def _sell(
        self,
        ctx: StrategyContext,
        kind: str,
        iid: str,
        qty: float,
        *,
        limit: float | None = None,
        stop: float | None = None,
        tif: TimeInForce = TimeInForce.GTC,
    ) -> None:
        ctx.sell(iid, qty, limit_price=limit, stop_price=stop, time_in_force=tif)
        self.intents[kind] += 1

    def _affordable(self, ctx: StrategyContext, price: float) -> int:
        per_unit = price * _GAP_HEADROOM * (1 + _FEE_BPS) + _FEE_PER_SHARE
        return max(0, math.floor((self._available_cash(ctx) - _FEE_FLAT) / per_unit))

    # --- the run -----------------------------------------------------------------------------
    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        rng = self.rng
        step = self._index[ctx.time_ns]
        if rng.random() < 0.15:
            self._cancel_one(ctx)
        if rng.random() < 0.04 and not ctx.open_orders():
            self._rebalance(ctx)
            return
        for iid in sorted(bars):
            if rng.random() < self._p_act:
                self._act(ctx, iid, bars[iid], gap_next=step in self._before_gap[iid])
        if rng.random() < 0.05:
            self._cancel_one(ctx)
        if self.order_kinds and rng.random() < 0.3:
            self._modify_one(ctx, step)
        for iid in bars:
            if step in self._before_gap[iid]:
                self.intents["working over a missing session"] += len(ctx.open_orders(iid))
        if step == self._last_step:
            self.intents["placed on the final step"] += len(
                [o for o in ctx.open_orders() if o.submitted_ts_ns == ctx.time_ns]
            )

    def _cancel_one(self, ctx: StrategyContext) -> None:
        working = list(ctx.open_orders())
        if not working:
            return
        target = self.rng.choice(working)
        kind = "cancel, same step" if target.submitted_ts_ns == ctx.time_ns else "cancel"
        ctx.cancel_order(target.order_id)
        self.intents[kind] += 1

    def _modify_one(self, ctx: StrategyContext, step: int) -> None:
        """Move a working limit/stop order's prices by up to 1% and maybe shrink it.

        Never on an instrument whose next step is missing (ADR 0007's first known difference);
        a sell only shrinks, so it never promises more than it did.
        """
        rng = self.rng
        working = [
            o
            for o in ctx.open_orders()
            if o.request.order_type != "market"
            and not o.filled_quantity
            and step not in self._before_gap[o.request.instrument_id]
        ]
        if not working:
            return
        o = rng.choice(working)
        r = o.request
        factor = rng.uniform(0.99, 1.01)
        qty = max(1, math.floor(r.quantity * rng.uniform(0.5, 1.0)))
        why = ctx.modify_order(
            o.order_id,
            quantity=qty if rng.random() < 0.5 else None,
            limit_price=_cents(r.limit_price * factor) if r.limit_price else None,
            stop_price=_cents(r.stop_price * factor) if r.stop_price else None,
        )
        self.intents["modify taken" if why is None else "modify refused"] += 1

    def _rebalance(self, ctx: StrategyContext) -> None:
        """order_target_percent across every instrument with a price; sells go first."""
        ids = [iid for iid in ctx.instrument_ids if ctx.bar(iid) is not None]
        weights = [self.rng.choice([0.0, self.rng.random()]) for _ in ids]
        total = sum(weights) or 1.0
        scale = self.rng.uniform(0.3, 0.85) / total
        equity = ctx.equity
        plan = []
        for iid, w in zip(ids, weights, strict=True):
            bar = ctx.bar(iid)
            assert bar is not None
            change = w * scale * equity - ctx.position(iid) * bar.close
            plan.append((change, iid, w * scale))
        for _, iid, fraction in sorted(plan):
            if ctx.order_target_percent(iid, fraction) is not None:
                self.intents["rebalance order"] += 1
        self.intents["rebalance"] += 1

    def _act(self, ctx: StrategyContext, iid: str, bar: Bar, *, gap_next: bool) -> None:
        """One random order on ``iid``; sells only from units no open sell has promised."""
        rng = self.rng
        kinds = ["market buy", "market sell", "close position", "oversize buy", "tight buy"]
        if not gap_next:
            # ADR 0007 known difference 1: no limit or stop the step before a missing session.
            kinds += ["limit buy", "limit sell", "stop buy", "stop sell"] * 2
            kinds += ["stop-limit buy", "stop-limit sell"]
        kind = rng.choice(kinds)
        order = _Order(
            iid=iid,
            close=bar.close,
            free=math.floor(self._free_position(ctx, iid)),
            tif=TimeInForce.DAY if rng.random() < 0.3 else TimeInForce.GTC,
            next_bar=self._next_bar(ctx, iid),
        )
        if self.order_kinds and rng.random() < 0.35:
            order = dataclasses.replace(
                order, tif=rng.choice((TimeInForce.IOC, TimeInForce.FOK))
            )
        side = OrderSide.SELL if kind.endswith(("sell", "position")) else OrderSide.BUY
        if side is OrderSide.SELL and order.free < 1:
            return
        place = {
            "market buy": self._market_buy,
            "market sell": self._market_sell,
            "close position": self._close_position,
            "oversize buy": self._oversize_buy,
            "tight buy": self._tight_buy,
            "limit buy": self._limit_buy,
            "limit sell": self._limit_sell,
            "stop buy": self._stop_buy,
            "stop sell": self._stop_sell,
            "stop-limit buy": self._stop_limit_buy,
            "stop-limit sell": self._stop_limit_sell,
        }[kind]
        place(ctx, kind, order)

    def _fraction(self, ctx: StrategyContext, price: float) -> int:
        return math.floor(self._affordable(ctx, price) * self.rng.uniform(0.05, 0.4))

    def _market_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        qty = self._fraction(ctx, o.close)
        if qty >= 1:
            self._buy(ctx, kind, o.iid, qty, o.close)

    def _market_sell(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        self._sell(ctx, kind, o.iid, self.rng.randint(1, o.free))

    def _close_position(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        if o.free == ctx.position(o.iid) and ctx.close_position(o.iid) is not None:
            self.intents[kind] += 1

    def _oversize_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        # far beyond equity, so no sell proceeds can rescue it: a rejection on both engines
        qty = math.ceil(2.5 * max(ctx.equity, 1.0) / o.close) + 1
        limit = _cents(o.close * self.rng.uniform(0.97, 1.01)) if self.rng.random() < 0.3 else None
        self._buy(ctx, kind, o.iid, qty, o.close, limit=limit, reserve=False)

    def _tight_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        # all the cash at the close: a next-open gap or the commission can reject it at the fill;
        # only without open sells, which could otherwise fund it (ADR 0007)
        if self._open_sells(ctx):
            return
        qty = math.floor(max(0.0, self._available_cash(ctx)) / o.close)
        if qty >= 1:
            self._buy(ctx, kind, o.iid, qty, o.close)

    def _limit_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        limit, how = self._limit_price(OrderSide.BUY, o.close, o.next_bar)
        qty = self._fraction(ctx, limit)
        if qty >= 1:
            self._buy(ctx, f"{kind} ({how})", o.iid, qty, limit, limit=limit, tif=o.tif)

    def _limit_sell(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        limit, how = self._limit_price(OrderSide.SELL, o.close, o.next_bar)
        qty = self.rng.randint(1, o.free)
        self._sell(ctx, f"{kind} ({how})", o.iid, qty, limit=limit, tif=o.tif)

    def _stop_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        stop, how = self._stop_price(OrderSide.BUY, o.close, o.next_bar)
        worst = max(stop, o.close)
        qty = self._fraction(ctx, worst)
        if qty >= 1:
            self._buy(ctx, f"{kind} ({how})", o.iid, qty, worst, stop=stop, tif=o.tif)

    def _stop_sell(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        stop, how = self._stop_price(OrderSide.SELL, o.close, o.next_bar)
        qty = self.rng.randint(1, o.free)
        self._sell(ctx, f"{kind} ({how})", o.iid, qty, stop=stop, tif=o.tif)

    def _stop_limit_buy(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        stop, how = self._stop_price(OrderSide.BUY, o.close, o.next_bar)
        limit = _cents(stop * self.rng.uniform(0.98, 1.02))
        worst = max(limit, o.close)
        qty = self._fraction(ctx, worst)
        if qty >= 1:
            label = f"{kind} ({how})"
            self._buy(ctx, label, o.iid, qty, worst, limit=limit, stop=stop, tif=o.tif)

    def _stop_limit_sell(self, ctx: StrategyContext, kind: str, o: _Order) -> None:
        stop, how = self._stop_price(OrderSide.SELL, o.close, o.next_bar)
        limit = _cents(stop * self.rng.uniform(0.98, 1.02))
        qty = self.rng.randint(1, o.free)
        self._sell(ctx, f"{kind} ({how})", o.iid, qty, limit=limit, stop=stop, tif=o.tif)

    def _limit_price(self, side: OrderSide, close: float, nxt: Bar | None) -> tuple[float, str]:
        """A limit that gaps, touches exactly, sits near the close, or never fills."""
        rng = self.rng
        sign = side.sign  # a buy limit below the market waits; above it fills at once
        how = rng.choice(["near", "near", "far", "exact open", "exact extreme", "through"])
        if nxt is None or how == "near":
            return _cents(close * (1 - sign * rng.uniform(-0.01, 0.03))), "near"
        if how == "far":
            return _cents(close * (1 - sign * 0.3)), "far"
        if how == "exact open":
            return nxt.open, how
        if how == "exact extreme":
            return (nxt.low if side is OrderSide.BUY else nxt.high), how
        # marketable on the next open: the limit is through it, so it fills at the open
        return _cents(nxt.open * (1 + sign * rng.uniform(0.001, 0.02))), how

    def _stop_price(self, side: OrderSide, close: float, nxt: Bar | None) -> tuple[float, str]:
        """A stop beyond the close, exactly on the next bar's open or extreme, or through it."""
        rng = self.rng
        sign = side.sign  # a buy stop sits above the market, a sell stop below
        how = rng.choice(["near", "near", "far", "exact open", "exact extreme", "through"])
        if nxt is None or how == "near":
            return _cents(close * (1 + sign * rng.uniform(0.0, 0.03))), "near"
        if how == "far":
            return _cents(close * (1 + sign * 0.3)), "far"
        if how == "exact open":
            return nxt.open, how
        if how == "exact extreme":
            return (nxt.high if side is OrderSide.BUY else nxt.low), how
        # already beyond the next open: it triggers at the open
        return _cents(nxt.open * (1 - sign * rng.uniform(0.001, 0.02))), how
