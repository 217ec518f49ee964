"""Compare two engines' results for the same config: orders, fills, equity and metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from finbot.contracts import (
    COST_KINDS,
    BacktestResult,
    EquityCurve,
    Fill,
    OrderUpdate,
    from_ns,
    session_date,
)

from ._report import Divergence, MetricComparison, ParityReport
from ._tolerance import ParityTolerance

T = TypeVar("T")

_BP = 10_000.0


def _order_key(order: OrderUpdate) -> dict[str, Any]:
    r = order.request
    return {
        "order_id": order.order_id,
        "instrument_id": r.instrument_id,
        "side": str(r.side),
        "order_type": str(r.order_type),
        "quantity": r.quantity,
        "limit_price": r.limit_price,
        "stop_price": r.stop_price,
        "time_in_force": str(r.time_in_force),
        "submitted": from_ns(order.submitted_ts_ns).isoformat(),
        "status": str(order.status),
        "filled_quantity": order.filled_quantity,
        "oco_group": order.oco_group,
        "parent_id": order.parent_id,
    }


def _fill_key(fill: Fill) -> dict[str, Any]:
    return {
        "order_id": fill.order_id,
        "instrument_id": fill.instrument_id,
        "side": str(fill.side),
        "quantity": fill.quantity,
        "time": from_ns(fill.ts_ns).isoformat(),
        "price": fill.price,
        "commission": fill.commission,
        "slippage": fill.slippage,
        "spread": fill.spread,
        "impact": fill.impact,
    }


def _rel(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


def _first_divergence(
    left: Sequence[T],
    right: Sequence[T],
    key: Callable[[T], dict[str, Any]],
    differs: Callable[[dict[str, Any], dict[str, Any]], str | None],
) -> Divergence | None:
    for i in range(max(len(left), len(right))):
        a = key(left[i]) if i < len(left) else None
        b = key(right[i]) if i < len(right) else None
        if a is None or b is None:
            return Divergence(i, "missing", a, b)
        field = differs(a, b)
        if field is not None:
            return Divergence(i, field, a, b)
    return None


def _daily_points(curve: EquityCurve) -> dict[date, float]:
    points: dict[date, float] = {}
    for ts, value in zip(curve.ts_ns, curve.equity, strict=True):
        points[session_date(ts)] = value
    return points


def compare_results(
    left: BacktestResult, right: BacktestResult, tolerance: ParityTolerance | None = None
) -> ParityReport:
    """Compare ``right`` against the baseline ``left`` and list every tolerance breach."""
    tol = tolerance or ParityTolerance()
    breaches: list[str] = []
    # The engine and its own execution settings (a native engine's, ADR 0025) are what parity
    # varies; everything else of the config must be the same.
    per_engine = {"engine": "", "native": None}
    if left.config.model_copy(update=per_engine) != right.config.model_copy(update=per_engine):
        breaches.append("the two results were produced from different run configs")
    if left.data_snapshot_id != right.data_snapshot_id:
        breaches.append("the two results were produced from different data snapshots")

    def order_differs(a: dict[str, Any], b: dict[str, Any]) -> str | None:
        return next((k for k in a if a[k] != b[k]), None)

    first_order = _first_divergence(left.orders, right.orders, _order_key, order_differs)
    if first_order is not None:
        breaches.append(f"order sequences differ at #{first_order.index} ({first_order.field})")

    def fill_differs(a: dict[str, Any], b: dict[str, Any]) -> str | None:
        for k in ("order_id", "instrument_id", "side", "quantity", "time"):
            if a[k] != b[k]:
                return k
        if _rel(a["price"], b["price"]) > tol.fill_price_rel:
            return "price"
        for k in ("commission", "slippage", "spread", "impact"):
            if abs(a[k] - b[k]) > tol.commission_abs:
                return k
        return None

    first_fill = _first_divergence(left.fills, right.fills, _fill_key, fill_differs)
    if first_fill is not None:
        breaches.append(f"fill sequences differ at #{first_fill.index} ({first_fill.field})")
    max_price_rel = max(
        (_rel(a.price, b.price) for a, b in zip(left.fills, right.fills, strict=False)),
        default=0.0,
    )

    lf, rf = left.metrics.final_equity, right.metrics.final_equity
    final_gap_bp = _rel(lf, rf) * _BP
    if final_gap_bp > tol.final_equity_bp:
        breaches.append(
            f"final equity differs by {final_gap_bp:.6f} bp (limit {tol.final_equity_bp} bp)"
        )

    ld, rd = _daily_points(left.equity_curve), _daily_points(right.equity_curve)
    if ld.keys() != rd.keys():
        breaches.append(
            f"equity curves cover different sessions ({len(ld)} vs {len(rd)} sessions)"
        )
    gap_bp, gap_day = 0.0, None
    for day in sorted(ld.keys() & rd.keys()):
        gap = _rel(ld[day], rd[day]) * _BP
        if gap > gap_bp:
            gap_bp, gap_day = gap, day
    gap_session = gap_day.isoformat() if gap_day is not None else None
    if gap_bp > tol.daily_equity_bp:
        breaches.append(
            f"daily equity differs by up to {gap_bp:.6f} bp on {gap_session} "
            f"(limit {tol.daily_equity_bp} bp)"
        )

    # Each cost kind's total: per-fill amounts within the tolerance add up to at most this.
    cost_limit = tol.commission_abs * max(len(left.fills), 1)
    for kind in COST_KINDS:
        lc, rc = getattr(left.costs, kind), getattr(right.costs, kind)
        if abs(lc - rc) > cost_limit:
            breaches.append(f"{kind} paid differs: {lc} vs {rc}")

    metrics = []
    lm, rm = left.metrics.model_dump(), right.metrics.model_dump()
    for name, lv in lm.items():
        rv = rm[name]
        within = tol.metric_within(lv, rv)
        metrics.append(MetricComparison(name, lv, rv, within))
        if not within:
            breaches.append(f"metric {name} differs: {lv} vs {rv}")

    return ParityReport(
        left_engine=left.engine.name,
        right_engine=right.engine.name,
        tolerance=tol,
        metrics=tuple(metrics),
        order_counts=(len(left.orders), len(right.orders)),
        fill_counts=(len(left.fills), len(right.fills)),
        first_order_divergence=first_order,
        first_fill_divergence=first_fill,
        max_fill_price_rel=max_price_rel,
        final_equity=(lf, rf),
        final_equity_gap_bp=final_gap_bp,
        max_daily_equity_gap_bp=gap_bp,
        max_daily_equity_gap_session=gap_session,
        breaches=tuple(breaches),
    )
