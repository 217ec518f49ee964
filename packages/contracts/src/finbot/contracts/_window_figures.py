"""A run's figures over its steps from one instant on (a walk-forward test window after warm-up).

The metrics go through ``compute_metrics``, the one metrics path, on the equity curve cut there.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from ._metrics import compute_metrics
from ._result import BacktestResult, EquityCurve, Metrics


@dataclass(frozen=True, slots=True)
class WindowFigures:
    """What a run did from ``first_ns`` on, as if it had started there with the equity it had.

    ``starting_equity`` is the equity at the last step before ``first_ns`` (the run's starting
    cash when there is none); ``open_at_start`` says a position was held at that step (opened
    before the window, so part of its gain or loss is not counted in the window).
    """

    first_ns: int | None
    curve: EquityCurve
    starting_equity: float
    metrics: Metrics
    open_at_start: bool


def window_figures(result: BacktestResult, first_ns: int | None) -> WindowFigures:
    """``result``'s figures over its steps at or after ``first_ns`` (UTC nanoseconds; None: all).

    The metrics are ``compute_metrics`` over the curve's steps from ``first_ns`` on, starting from
    the equity of the step before, with the round trips closed, the fills made and the orders
    last updated from ``first_ns`` on. With no step before ``first_ns`` they are the run's own.
    """
    curve = result.equity_curve
    cut = 0 if first_ns is None else bisect_left(curve.ts_ns, first_ns)
    if first_ns is None or cut == 0:
        return WindowFigures(first_ns, curve, result.metrics.starting_equity, result.metrics,
                             open_at_start=False)
    inside = EquityCurve(
        ts_ns=curve.ts_ns[cut:],
        equity=curve.equity[cut:],
        cash=curve.cash[cut:],
        gross_exposure=curve.gross_exposure[cut:],
    )
    starting = curve.equity[cut - 1]
    metrics = compute_metrics(
        inside,
        [t for t in result.trades if t.exit_ts_ns >= first_ns],
        [f for f in result.fills if f.ts_ns >= first_ns],
        [o for o in result.orders if o.ts_ns >= first_ns],
        starting,
    )
    return WindowFigures(first_ns, inside, starting, metrics,
                         open_at_start=curve.gross_exposure[cut - 1] != 0)
