"""The cohort page: many runs overlaid, metrics side by side, parameters against metrics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from finbot.contracts import METRIC_ROWS, BacktestResult, format_metric

from ._downsample import MAX_POINTS, thin
from ._folds import add_folds
from ._page import Page

# Points drawn over all overlaid lines together; each run gets its share (at least 200).
OVERLAY_BUDGET = 100_000
COHORT_METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "annual_volatility",
                  "win_rate", "trade_count", "total_commission")
_LABELS = {field: label for field, label, _ in METRIC_ROWS} | {"trade_count": "Trades"}
# Parameter-vs-metric charts for at most this many varying numeric parameters.
MAX_SWEEP_PARAMS = 3


@dataclass(frozen=True, slots=True)
class CohortRun:
    """One run of a cohort: its label (the run id) and its result."""

    label: str
    result: BacktestResult
    tags: tuple[str, ...] = ()


def varying_params(runs: Sequence[CohortRun]) -> list[str]:
    """The strategy parameters whose values differ between runs, in first-seen order."""
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run.result.config.strategy.params))
    return [
        k for k in keys
        if len({_text(r.result.config.strategy.params.get(k)) for r in runs}) > 1
    ]


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def cohort_page(runs: Sequence[CohortRun], *, title: str = "finbot runs compared") -> Page:
    """The page comparing ``runs`` (two or more)."""
    if len(runs) < 2:
        raise ValueError("a cohort page needs at least two runs")
    strategies = sorted({r.result.config.strategy.id for r in runs})
    page = Page(title, f"{len(runs)} runs of {', '.join(strategies)}")
    params = varying_params(runs)
    page.heading("Equity")
    page.chart("overlay", _overlay(runs))
    page.heading("Metrics")
    page.table(
        ("Run", "Strategy", "Engine", "Dataset", *params,
         *(_LABELS.get(m, m) for m in COHORT_METRICS), "Tags"),
        [
            (
                r.label,
                r.result.config.strategy.id,
                r.result.engine.name,
                r.result.config.dataset.name,
                *(_text(r.result.config.strategy.params.get(p)) for p in params),
                *(format_metric(m, getattr(r.result.metrics, m)) for m in COHORT_METRICS),
                ",".join(r.tags),
            )
            for r in runs
        ],
        numeric=(False,) * 4 + (True,) * (len(params) + len(COHORT_METRICS)) + (False,),
        caption="Returns as percent; parameter columns are the ones that differ",
    )
    numeric = [p for p in params if all(
        _number(r.result.config.strategy.params.get(p)) is not None for r in runs)]
    if numeric:
        page.heading("Parameters against metrics")
        for p in numeric[:MAX_SWEEP_PARAMS]:
            page.chart(f"scatter_{p}", _scatter(runs, p), height=360)
        if len(numeric) >= 2:
            page.chart("heatmap", _heatmap(runs, numeric[0], numeric[1]))
    add_folds(page, runs)
    return page


def _overlay(runs: Sequence[CohortRun]) -> dict[str, Any]:
    # Plain dicts: plotly's per-trace validation dominated the build time with 200 runs.
    per_run = min(MAX_POINTS, max(200, OVERLAY_BUDGET // len(runs)))
    traces = []
    for r in runs:
        curve = r.result.equity_curve
        start = r.result.config.starting_cash
        x, y = thin(curve.ts_ns, [v / start for v in curve.equity], per_run)
        traces.append({"type": "scatter", "x": x, "y": y, "name": r.label, "mode": "lines",
                       "line": {"width": 1}})
    layout = {"title": {"text": "Growth of 1 (equity / starting cash)"}, "hovermode": "closest",
              "showlegend": len(runs) <= 20}
    return {"data": traces, "layout": layout}


def _scatter(runs: Sequence[CohortRun], param: str) -> object:
    from plotly.subplots import make_subplots

    xs = [_number(r.result.config.strategy.params.get(param)) for r in runs]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"Sharpe by {param}",
                                                         f"Total return (%) by {param}"))
    import plotly.graph_objects as go

    labels = [r.label for r in runs]
    sharpe = [r.result.metrics.sharpe for r in runs]
    ret = [r.result.metrics.total_return * 100 for r in runs]
    fig.add_trace(go.Scatter(x=xs, y=sharpe, mode="markers", text=labels, name="Sharpe"), 1, 1)
    fig.add_trace(go.Scatter(x=xs, y=ret, mode="markers", text=labels, name="Return"), 1, 2)
    fig.update_layout(showlegend=False, title=f"Sweep over {param}")
    return fig


def _heatmap(runs: Sequence[CohortRun], px: str, py: str) -> object:
    import plotly.graph_objects as go

    cells: dict[tuple[float, float], list[float]] = {}
    for r in runs:
        params = r.result.config.strategy.params
        x, y = _number(params.get(px)), _number(params.get(py))
        if x is not None and y is not None and r.result.metrics.sharpe is not None:
            cells.setdefault((x, y), []).append(r.result.metrics.sharpe)
    xs = sorted({k[0] for k in cells})
    ys = sorted({k[1] for k in cells})
    z = [[fmean(cells[(x, y)]) if (x, y) in cells else math.nan for x in xs] for y in ys]
    fig = go.Figure(go.Heatmap(z=z, x=[f"{x:g}" for x in xs], y=[f"{y:g}" for y in ys],
                               colorscale="RdYlGn", zmid=0, colorbar={"title": "Sharpe"},
                               hoverongaps=False))
    fig.update_layout(title=f"Mean Sharpe by {px} and {py}", xaxis_title=px, yaxis_title=py,
                      xaxis={"type": "category"}, yaxis={"type": "category"})
    return fig
