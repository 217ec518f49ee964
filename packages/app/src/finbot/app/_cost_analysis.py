"""``finbot costs RUN_ID``: a recorded run's fills re-priced under other costs, without a rerun.

Each fill keeps its quantity (times a size multiple), bar and reference price (the recorded
price less its recorded price costs); only what it pays changes. Equity at each curve point is
the recorded gross path (equity plus the costs paid so far) scaled by the size multiple, less
the re-priced costs paid so far. Nothing is re-decided: cash checks, rejections and volume caps
stay as recorded, and a strategy that sizes orders from its equity would have traded other
quantities. See docs/costs.md and ADR 0021.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from finbot.contracts import (
    BacktestResult,
    ConfigError,
    CostModel,
    EquityCurve,
    Fill,
    FillPolicy,
    MarketData,
    OrderType,
    compute_metrics,
)
from finbot.contracts.engine import BarFeed, FillCosts

if TYPE_CHECKING:
    from finbot.registry import Registry

DEFAULT_BPS = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
DEFAULT_IMPACT_Y = (0.5, 0.75, 1.0, 1.25, 1.5)
DEFAULT_SIZES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
# Break-even search: costs beyond 100% of notional per fill are no answer; 0.01 bp is precise
# enough for a figure printed to one decimal.
_MAX_BPS = 10_000.0
_BPS_PRECISION = 0.01
_PRICED = frozenset({OrderType.MARKET, OrderType.STOP})


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """The run with every recorded cost replaced by ``cost_bps`` of notional per fill."""

    cost_bps: float
    sharpe: float | None
    total_return: float
    costs_paid: float


@dataclass(frozen=True, slots=True)
class CapacityPoint:
    """The run at ``size_multiple`` times its orders and capital, priced with ``impact_y``."""

    impact_y: float
    size_multiple: float
    sharpe: float | None
    total_return: float
    costs_paid: float
    max_participation: float  # the largest fill / its bar's volume


@dataclass(frozen=True, slots=True)
class CostAnalysis:
    """What ``finbot costs`` reports for one run."""

    run_id: str
    recorded_sharpe: float | None
    recorded_costs: float
    recorded_cost_bps: float | None  # recorded costs per traded notional, in bp
    gross_sharpe: float | None
    break_even_bps: float | None  # flat cost per fill (bp of notional) where net Sharpe is 0
    sweep: tuple[SweepPoint, ...]
    capacity: tuple[CapacityPoint, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Repriced:
    fill: Fill
    reference: float  # the price before the recorded price costs
    priced: bool  # a market or stop fill: price costs apply
    point: int  # the first equity-curve point the fill is booked in
    recorded_cost: float  # commission + price costs recorded


class Repricer:
    """A recorded result's fills, ready to be re-priced under other costs (no rerun).

    Raises:
        ConfigError: the run has no equity curve, or its data lacks a fill's instrument.
    """

    def __init__(self, result: BacktestResult, data: MarketData) -> None:
        curve = result.equity_curve
        if not curve.ts_ns:
            raise ConfigError("the run has no equity curve to re-price")
        self.result = result
        self.data = data
        self.feed = BarFeed.replay(data)
        order_types = {o.order_id: o.request.order_type for o in result.orders}
        at_close = result.config.fill_policy is FillPolicy.THIS_CLOSE
        stamps = list(curve.ts_ns)
        fills = []
        for f in result.fills:
            if f.instrument_id not in data.instrument_ids:
                raise ConfigError(f"the run's data has no instrument {f.instrument_id}")
            kind = order_types.get(f.order_id, OrderType.MARKET)
            price_costs = f.slippage + f.spread + f.impact
            reference = f.price - f.side.sign * price_costs / f.quantity
            # A this-close market fill is booked before the step after its bar; every other
            # fill before the step of the bar that filled it (docs/architecture.md).
            if at_close and kind is OrderType.MARKET:
                point = bisect_right(stamps, f.ts_ns)
            else:
                point = bisect_left(stamps, f.ts_ns)
            fills.append(
                _Repriced(f, reference, kind in _PRICED, point, f.commission + price_costs)
            )
        self.fills: tuple[_Repriced, ...] = tuple(fills)
        recorded = self._cumulative([r.recorded_cost for r in fills])
        start = result.config.starting_cash
        # Gross of every per-fill cost: what the run made before paying them, point by point.
        self.gross = [e - start + c for e, c in zip(curve.equity, recorded, strict=True)]
        self.notional = math.fsum(r.fill.quantity * r.reference for r in fills)

    def _cumulative(self, costs: Sequence[float]) -> list[float]:
        per_point = [0.0] * len(self.result.equity_curve.ts_ns)
        for r, cost in zip(self.fills, costs, strict=True):
            if r.point < len(per_point):
                per_point[r.point] += cost
        return list(accumulate(per_point))

    def evaluate(
        self, cost_of: Callable[[_Repriced, float], float], multiple: float = 1.0
    ) -> tuple[float | None, float, float]:
        """Net Sharpe, total return and costs paid with each fill costing ``cost_of(fill, q)``.

        With ``multiple`` the run trades that many times its quantities from that many times
        its starting cash (capacity: more money in the same strategy).
        """
        costs = [cost_of(r, r.fill.quantity * multiple) for r in self.fills]
        paid = self._cumulative(costs)
        # ``multiple`` times the orders on ``multiple`` times the capital: the same strategy
        # managing more money, so only what it pays changes its returns.
        start = self.result.config.starting_cash * multiple
        curve = self.result.equity_curve
        equity = tuple(start + multiple * g - c for g, c in zip(self.gross, paid, strict=True))
        repriced = EquityCurve(
            ts_ns=curve.ts_ns, equity=equity, cash=curve.cash, gross_exposure=curve.gross_exposure
        )
        r = self.result
        metrics = compute_metrics(repriced, r.trades, r.fills, r.orders, start)
        return metrics.sharpe, metrics.total_return, math.fsum(costs)

    def flat(self, cost_bps: float) -> Callable[[_Repriced, float], float]:
        """Every fill pays ``cost_bps`` of its notional at the reference price, nothing else."""
        return lambda r, q: q * r.reference * cost_bps / 10_000.0

    def under(self, model: CostModel) -> Callable[[_Repriced, float], float]:
        """Each fill pays ``model``'s commission and price costs for its (scaled) quantity."""
        fill_costs = FillCosts(model, self.feed)

        def cost(r: _Repriced, q: float) -> float:
            f = r.fill
            price = r.reference
            if r.priced:
                price = fill_costs.price(f.side, price, f.instrument_id, f.ts_ns, q)
            return model.commission(q, price) + abs(price - r.reference) * q

        return cost

    def participation(self, multiple: float) -> float:
        """The largest share of its bar's volume any fill takes at ``multiple`` times its size."""
        top = 0.0
        for r in self.fills:
            series = self.data.bars(r.fill.instrument_id)
            i = bisect_left(series.ts_ns, r.fill.ts_ns)
            volume = series.volume[i] if i < len(series) else 0.0
            share = math.inf if volume <= 0 else r.fill.quantity * multiple / volume
            top = max(top, share)
        return top


def break_even_bps(repricer: Repricer) -> float | None:
    """The flat cost per fill (bp of notional) at which net Sharpe reaches 0, by bisection.

    None when the run is not profitable before costs (gross Sharpe <= 0 or undefined) or still
    is at 100% of notional per fill.
    """

    def sharpe(bps: float) -> float | None:
        return repricer.evaluate(repricer.flat(bps))[0]

    gross = sharpe(0.0)
    if gross is None or gross <= 0 or not repricer.fills:
        return None
    low, high = 0.0, 1.0
    while (s := sharpe(high)) is not None and s > 0:
        low, high = high, high * 2
        if high > _MAX_BPS:
            return None
    while high - low > _BPS_PRECISION:
        mid = (low + high) / 2
        s = sharpe(mid)
        if s is not None and s > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def analyze_costs(
    result: BacktestResult,
    data: MarketData,
    *,
    run_id: str = "",
    bps: Sequence[float] = DEFAULT_BPS,
    impact_y: Sequence[float] = DEFAULT_IMPACT_Y,
    sizes: Sequence[float] = DEFAULT_SIZES,
) -> CostAnalysis:
    """Re-price ``result``'s fills: a flat-cost sweep, the break-even cost and a capacity grid.

    Raises:
        ConfigError: a negative cost, impact or a size multiple that is not positive; a run
            without an equity curve.
    """
    if any(b < 0 for b in bps) or any(y < 0 for y in impact_y):
        raise ConfigError("costs: --bps and --impact-y values must not be negative")
    if any(m <= 0 for m in sizes):
        raise ConfigError("costs: --sizes multiples must be positive")
    repricer = Repricer(result, data)
    recorded = result.costs
    per_fill = math.fsum(r.recorded_cost for r in repricer.fills)
    sweep = tuple(
        SweepPoint(b, *repricer.evaluate(repricer.flat(b))) for b in sorted(set(bps))
    )
    model = result.config.cost_model
    capacity = []
    for y in impact_y:
        cost = repricer.under(model.model_copy(update={"impact_y": y}))
        for m in sizes:
            sharpe, total, paid = repricer.evaluate(cost, m)
            capacity.append(CapacityPoint(y, m, sharpe, total, paid, repricer.participation(m)))
    notes = [
        "fills keep their bars and reference prices; quantities are scaled, not re-decided: "
        "cash checks, rejections and volume caps are as recorded",
    ]
    if recorded.borrow or recorded.funding:
        notes.append("borrow and funding are kept as recorded (scaled with the size multiple)")
    return CostAnalysis(
        run_id=run_id,
        recorded_sharpe=result.metrics.sharpe,
        recorded_costs=per_fill,
        recorded_cost_bps=per_fill / repricer.notional * 10_000 if repricer.notional else None,
        gross_sharpe=repricer.evaluate(repricer.flat(0.0))[0],
        break_even_bps=break_even_bps(repricer),
        sweep=sweep,
        capacity=tuple(capacity),
        notes=tuple(notes),
    )


def run_cost_analysis(
    registry: Registry,
    run_id: str,
    *,
    bps: Sequence[float] = DEFAULT_BPS,
    impact_y: Sequence[float] = DEFAULT_IMPACT_Y,
    sizes: Sequence[float] = DEFAULT_SIZES,
) -> CostAnalysis:
    """:func:`analyze_costs` of a recorded run, from its stored result and pinned data.

    Raises:
        RunNotFoundError: no such run. ConfigError: bad sweep values.
    """
    result = registry.load_result(run_id)
    data = registry.run_snapshot(run_id)
    return analyze_costs(result, data, run_id=run_id, bps=bps, impact_y=impact_y, sizes=sizes)
