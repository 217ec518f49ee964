"""The tear sheet of one run: equity vs buy and hold, drawdown, months, rolling risk, trades."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate

from finbot.contracts import (
    COST_KINDS,
    METRIC_ROWS,
    BacktestResult,
    MarketData,
    OrderSide,
    format_value,
)

from ._analytics import (
    VAR_LEVEL,
    RiskFigures,
    Series,
    as_curve,
    buy_and_hold,
    drawdown,
    monthly_returns,
    risk_figures,
    rolling_figures,
)
from ._downsample import MAX_POINTS, keep_indices, thin
from ._labels import assumption_rows, x_label, x_labels
from ._page import Page

# Instruments drawn with their trades; more would make a wall of charts (the table lists all).
MAX_PRICE_CHARTS = 4
MAX_MARKERS = 2_000

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tear_sheet(
    result: BacktestResult,
    market: MarketData | None = None,
    *,
    run_id: str | None = None,
) -> Page:
    """The tear sheet page of ``result``.

    ``market`` (the data the run saw) adds the buy-and-hold benchmark, alpha and beta, and the price
    charts with trade markers.
    """
    config = result.config
    title = f"finbot tear sheet: {config.strategy.id}"
    span = _span(result)
    sub = f"{config.dataset.name}, {span}, engine {result.engine.name} {result.engine.version}"
    page = Page(title, f"run {run_id}: {sub}" if run_id else sub)
    benchmark = buy_and_hold(result, market) if market is not None else None
    figures = risk_figures(result, benchmark)

    page.heading("Metrics")
    _metrics_table(page, result, figures)
    page.heading("Equity")
    page.chart("equity", _equity_figure(result, benchmark))
    page.chart("drawdown", _drawdown_figure(result, benchmark), height=300)
    page.heading("Monthly returns")
    height = max(260, 60 + 28 * _years(result))
    page.chart("monthly_returns", _monthly_figure(result), height=height)
    page.heading("Rolling risk")
    page.chart("rolling", _rolling_figure(result), height=460)
    page.heading("Trades")
    _trade_charts(page, result, market)
    page.heading("Costs")
    _costs(page, result)
    page.heading("Assumptions")
    page.table(
        ("Item", "Value"),
        [
            *assumption_rows(result, run_id=run_id),
            ("Annualization", f"{figures.periods_per_year} periods a year (inferred from dates)"),
            ("Risk-free rate", "0"),
            ("Benchmark", "buy and hold of the same data: cash split equally at each "
                          "instrument's first close, no costs" if market else "none (no data)"),
            ("VaR method", f"historical, one period, {VAR_LEVEL:.0%}"),
        ],
        caption="Everything that decided this run's numbers",
    )
    return page


def _span(result: BacktestResult) -> str:
    ts = result.equity_curve.ts_ns
    return f"{x_label(ts[0])} .. {x_label(ts[-1])}" if ts else "no bars"


def _years(result: BacktestResult) -> int:
    return len({year for year, _ in monthly_returns(result)})


def _metrics_table(page: Page, result: BacktestResult, fig: RiskFigures) -> None:
    m = result.metrics
    rows = [(label, format_value(getattr(m, name), kind)) for name, label, kind in METRIC_ROWS]
    bench = {
        "Total return": format_value(fig.benchmark_total_return, "pct"),
        "Sharpe": format_value(fig.benchmark_sharpe, "num"),
    }
    extra = [
        ("Alpha (annual)", format_value(fig.alpha, "pct")),
        ("Beta", format_value(fig.beta, "num")),
        ("Correlation", format_value(fig.correlation, "num")),
        (f"VaR {VAR_LEVEL:.0%} (one period)", format_value(fig.var_95, "pct")),
        (f"CVaR {VAR_LEVEL:.0%} (one period)", format_value(fig.cvar_95, "pct")),
        ("Probabilistic Sharpe (> 0)", format_value(fig.probabilistic_sharpe, "pct")),
        ("Trades", format_value(m.trade_count, "count")),
        ("Final equity", f"{format_value(m.final_equity, 'money')} {result.config.currency}"),
    ]
    page.table(
        ("Metric", "Strategy", "Buy and hold"),
        [(label, value, bench.get(label, "")) for label, value in [*rows, *extra]],
        numeric=(False, True, True),
        caption="Returns as percent; alpha and beta against buy and hold",
    )


def _line(stamps: Sequence[int], ys: Sequence[float], name: str, **kw: object) -> object:
    import plotly.graph_objects as go

    x, y = thin(stamps, ys)
    return go.Scatter(x=x, y=y, name=name, mode="lines", **kw)


def _equity_figure(result: BacktestResult, benchmark: Series | None) -> object:
    import plotly.graph_objects as go

    curve = result.equity_curve
    xs = curve.ts_ns
    fig = go.Figure()
    fig.add_trace(_line(xs, curve.equity, "Strategy"))
    if benchmark is not None:
        fig.add_trace(_line(xs, benchmark.values, "Buy and hold", line={"dash": "dot"}))
    fig.update_layout(
        title="Equity vs buy and hold", yaxis_title=result.config.currency, hovermode="x unified"
    )
    return fig


def _drawdown_figure(result: BacktestResult, benchmark: Series | None) -> object:
    import plotly.graph_objects as go

    dd = drawdown(result.equity_curve)
    xs = dd.ts_ns
    fig = go.Figure()
    fig.add_trace(_line(xs, [v * 100 for v in dd.values], "Strategy", fill="tozeroy"))
    if benchmark is not None:
        bdd = drawdown(as_curve(benchmark))
        fig.add_trace(_line(xs, [v * 100 for v in bdd.values], "Buy and hold",
                            line={"dash": "dot"}))
    fig.update_layout(title="Drawdown", yaxis_title="% below peak", hovermode="x unified")
    return fig


def _monthly_figure(result: BacktestResult) -> object:
    import plotly.graph_objects as go

    months = monthly_returns(result)
    years = sorted({year for year, _ in months})
    z = [[months.get((y, m), math.nan) * 100 for m in range(1, 13)] for y in years]
    text = [[format_value(v / 100, "pct") if not math.isnan(v) else "" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(_MONTHS), y=[str(y) for y in years], text=text, texttemplate="%{text}",
            colorscale="RdYlGn", zmid=0, colorbar={"title": "%"}, hoverongaps=False,
        )
    )
    fig.update_layout(
        title="Monthly returns (%)", yaxis={"autorange": "reversed", "type": "category"}
    )
    return fig


def _rolling_figure(result: BacktestResult) -> object:
    from plotly.subplots import make_subplots

    sharpe, vol, window = rolling_figures(result)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(f"Rolling Sharpe ({window} periods)",
                                        f"Rolling volatility ({window} periods, annual %)"))
    xs = sharpe.ts_ns
    fig.add_trace(_line(xs, sharpe.values, "Sharpe"), row=1, col=1)
    fig.add_trace(_line(xs, [v * 100 for v in vol.values], "Volatility %"), row=2, col=1)
    fig.update_layout(showlegend=False, title="Rolling risk")
    if not sharpe.values:
        fig.add_annotation(text=f"fewer than {window} periods: nothing to roll", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def _trade_charts(page: Page, result: BacktestResult, market: MarketData | None) -> None:
    fills_by: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(result.fills):
        fills_by[f.instrument_id].append(i)
    if not fills_by:
        page.note("No fills in this run.")
        return
    ranked = sorted(fills_by, key=lambda k: (-len(fills_by[k]), k))
    page.table(
        ("Instrument", "Fills", "Buys", "Sells", "Closed trades"),
        [
            (
                inst,
                str(len(fills_by[inst])),
                str(sum(result.fills[i].side is OrderSide.BUY for i in fills_by[inst])),
                str(sum(result.fills[i].side is OrderSide.SELL for i in fills_by[inst])),
                str(sum(t.instrument_id == inst for t in result.trades)),
            )
            for inst in ranked
        ],
        numeric=(False, True, True, True, True),
    )
    if market is None:
        page.note("No market data: price charts need the data the run saw.")
        return
    shown = [inst for inst in ranked if inst in market.instrument_ids][:MAX_PRICE_CHARTS]
    if len(ranked) > len(shown):
        page.note(f"Price charts for the {len(shown)} most traded instruments.")
    for inst in shown:
        page.chart(f"trades_{inst}", _price_figure(result, market, inst, fills_by[inst]))


def _price_figure(result: BacktestResult, market: MarketData, inst: str, idx: list[int]) -> object:
    import plotly.graph_objects as go

    bars = market.bars(inst)
    fig = go.Figure()
    fig.add_trace(_line(bars.ts_ns, bars.close, f"{inst} close"))
    for side, symbol, color in ((OrderSide.BUY, "triangle-up", "#1a7f37"),
                                (OrderSide.SELL, "triangle-down", "#cf222e")):
        fills = [result.fills[i] for i in idx if result.fills[i].side is side]
        step = max(1, math.ceil(len(fills) / (MAX_MARKERS // 2)))
        drawn = fills[::step]
        fig.add_trace(go.Scatter(
            x=x_labels([f.ts_ns for f in drawn]), y=[f.price for f in drawn], mode="markers",
            name=f"{side.value} ({len(fills)})",
            marker={"symbol": symbol, "size": 9, "color": color},
            text=[f"{f.order_id}: {f.quantity:g} @ {f.price:g}" for f in drawn],
            hoverinfo="text+x",
        ))
    thinned = " (markers thinned)" if len(idx) > MAX_MARKERS // 2 else ""
    fig.update_layout(title=f"{inst}: price and fills{thinned}", hovermode="closest")
    return fig


def _costs(page: Page, result: BacktestResult) -> None:
    import plotly.graph_objects as go

    cfg = result.config.cost_model
    fills = result.fills
    costs = result.costs
    notional = math.fsum(f.notional for f in fills)
    start = result.config.starting_cash
    pnl = result.metrics.final_equity - start
    gross = pnl + costs.total
    # Commission and slippage always; the other kinds (ADR 0021) when the run paid any.
    rows = [
        (kind.capitalize(), getattr(costs, kind))
        for kind in COST_KINDS
        if kind in ("commission", "slippage") or getattr(costs, kind)
    ]
    rows.append(("Total costs", costs.total))
    priced = cfg.has_schedule or bool(
        cfg.spread_bps or cfg.volume_limit is not None or cfg.impact_y
    )
    page.table(
        ("Cost", result.config.currency, "% of starting cash", "bp of traded notional"),
        [
            (
                label,
                format_value(value, "money"),
                format_value(value / start, "pct"),
                format_value(value / notional * 1e4 if notional else None, "bp"),
            )
            for label, value in rows
        ],
        numeric=(False, True, True, True),
        caption=(
            f"Model: commission {cfg.commission_bps:g} bps + {cfg.commission_per_share:g}/unit "
            f"(minimum {cfg.commission_minimum:g}, rounding {cfg.rounding.value}), slippage "
            f"{cfg.slippage_bps:g} bps on market/stop fills. "
            f"{f'Schedule: {cfg.describe()}. ' if priced else ''}Net P&L "
            f"{format_value(pnl, 'money')}; before costs {format_value(gross, 'money')}."
        ),
    )
    if not fills:
        return
    xs = x_labels([f.ts_ns for f in fills])
    series = [
        (kind.capitalize(), list(accumulate(getattr(f, kind) for f in fills)))
        for kind in ("commission", "slippage", "spread", "impact")
        if kind in ("commission", "slippage") or getattr(costs, kind)
    ]
    fig = go.Figure()
    totals = [math.fsum(c) for c in zip(*(ys for _, ys in series), strict=True)]
    idx = keep_indices(totals, MAX_POINTS)
    for name, ys in series:
        fig.add_trace(go.Scatter(x=[xs[i] for i in idx], y=[ys[i] for i in idx], name=name,
                                 mode="lines", stackgroup="costs"))
    fig.update_layout(title="Cumulative costs", yaxis_title=result.config.currency)
    page.chart("costs", fig, height=300)
