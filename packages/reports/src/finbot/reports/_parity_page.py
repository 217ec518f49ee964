"""The parity page: two engines' equity curves, their gap in bp, and the fills side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finbot.contracts import BacktestResult, Fill, format_value

from ._downsample import thin
from ._labels import assumption_rows, x_label
from ._page import Page

# Fill rows shown per comparison: the ones around the first divergence (or the first ones).
FILL_ROWS = 200


@dataclass(frozen=True, slots=True)
class EngineComparison:
    """One engine's result against the baseline's, as ``finbot.parity`` judged it.

    Attributes:
        baseline: The baseline engine's result (left).
        other: The compared engine's result (right).
        first_fill_divergence: Index of the first fill that differs, or None.
        breaches: What broke the tolerance (empty when the engines agree).
        tolerance: The tolerance's name (``exact``, ``spec``).
    """

    baseline: BacktestResult
    other: BacktestResult
    first_fill_divergence: int | None
    breaches: tuple[str, ...] = ()
    tolerance: str = "exact"


def gap_bp(baseline: BacktestResult, other: BacktestResult) -> tuple[list[int], list[float]]:
    """(other - baseline) / baseline in bp at every step both curves share."""
    base = dict(zip(baseline.equity_curve.ts_ns, baseline.equity_curve.equity, strict=True))
    ts: list[int] = []
    gaps: list[float] = []
    for t, value in zip(other.equity_curve.ts_ns, other.equity_curve.equity, strict=True):
        ref = base.get(t)
        if ref is not None and ref != 0:
            ts.append(t)
            gaps.append((value - ref) / ref * 1e4)
    return ts, gaps


def parity_page(comparisons: Sequence[EngineComparison]) -> Page:
    """The parity page of one or more comparisons (e.g. one per fill policy)."""
    if not comparisons:
        raise ValueError("a parity page needs at least one comparison")
    first = comparisons[0].baseline
    ok = all(not c.breaches for c in comparisons)
    page = Page(
        f"finbot parity: {first.config.strategy.id}",
        f"{'agree' if ok else 'DISAGREE'} within tolerance '{comparisons[0].tolerance}'; "
        f"dataset {first.config.dataset.name}",
    )
    for k, comp in enumerate(comparisons):
        left, right = comp.baseline.engine.name, comp.other.engine.name
        page.heading(f"{left} vs {right}, fill policy {comp.baseline.config.fill_policy.value}")
        if comp.breaches:
            page.table(("Breach",), [(b,) for b in comp.breaches], caption="Outside the tolerance")
        else:
            page.note("Within the tolerance: no breach.")
        _summary(page, comp)
        page.chart(f"equity_{k}", _equity_figure(comp))
        page.chart(f"gap_{k}", _gap_figure(comp), height=300)
        _fill_table(page, comp)
    page.heading("Assumptions")
    page.table(("Item", "Value"), assumption_rows(first), caption="The baseline run's config")
    return page


def _summary(page: Page, comp: EngineComparison) -> None:
    a, b = comp.baseline, comp.other
    _, gaps = gap_bp(a, b)
    worst = max(gaps, key=abs) if gaps else None
    rows = [
        ("Final equity", format_value(a.metrics.final_equity, "money"),
         format_value(b.metrics.final_equity, "money")),
        ("Total return", format_value(a.metrics.total_return, "pct"),
         format_value(b.metrics.total_return, "pct")),
        ("Sharpe", format_value(a.metrics.sharpe, "num"), format_value(b.metrics.sharpe, "num")),
        ("Orders", str(len(a.orders)), str(len(b.orders))),
        ("Fills", str(len(a.fills)), str(len(b.fills))),
        ("Largest equity gap", "", format_value(worst, "bp")),
        ("First diverging fill", "",
         "none" if comp.first_fill_divergence is None else f"#{comp.first_fill_divergence}"),
    ]
    page.table(("", a.engine.name, b.engine.name), rows, numeric=(False, True, True))


def _equity_figure(comp: EngineComparison) -> object:
    import plotly.graph_objects as go

    fig = go.Figure()
    for result, dash in ((comp.baseline, "solid"), (comp.other, "dot")):
        curve = result.equity_curve
        x, y = thin(curve.ts_ns, curve.equity)
        fig.add_trace(go.Scatter(x=x, y=y, name=result.engine.name, mode="lines",
                                 line={"dash": dash}))
    fig.update_layout(title="Equity on both engines", hovermode="x unified",
                      yaxis_title=comp.baseline.config.currency)
    return fig


def _gap_figure(comp: EngineComparison) -> object:
    import plotly.graph_objects as go

    ts, gaps = gap_bp(comp.baseline, comp.other)
    x, y = thin(ts, gaps)
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", name="gap", fill="tozeroy"))
    fig.update_layout(
        title=f"Equity gap, {comp.other.engine.name} minus {comp.baseline.engine.name} (bp)",
        yaxis_title="bp",
    )
    return fig


def _cells(fill: Fill | None) -> tuple[str, str, str, str]:
    if fill is None:
        return ("-", "-", "-", "-")
    return (f"{fill.side.value} {fill.quantity:g}", f"{fill.price:.6g}",
            f"{fill.commission:.2f}", fill.order_id)


def _fill_table(page: Page, comp: EngineComparison) -> None:
    a, b = comp.baseline.fills, comp.other.fills
    n = max(len(a), len(b))
    if n == 0:
        page.note("Neither engine filled an order.")
        return
    div = comp.first_fill_divergence
    lo = max(0, (div if div is not None else 0) - FILL_ROWS // 4)
    hi = min(n, lo + FILL_ROWS)
    rows = []
    for i in range(lo, hi):
        fa = a[i] if i < len(a) else None
        fb = b[i] if i < len(b) else None
        ref = a[i] if i < len(a) else b[i]
        rows.append((str(i), x_label(ref.ts_ns), ref.instrument_id, *_cells(fa), *_cells(fb)))
    left, right = comp.baseline.engine.name, comp.other.engine.name
    shown = f"fills {lo}..{hi - 1} of {n}" if hi - lo < n else f"all {n} fills"
    caption = (
        f"Fill by fill ({shown}); first divergence #{div} highlighted"
        if div is not None
        else f"Fill by fill ({shown}); no divergence"
    )
    page.table(
        ("#", "Bar", "Instrument", f"{left} fill", f"{left} price", f"{left} commission",
         f"{left} order", f"{right} fill", f"{right} price", f"{right} commission",
         f"{right} order"),
        rows,
        caption=caption,
        numeric=(True, False, False, False, True, True, False, False, True, True, False),
        highlight=None if div is None else div - lo,
    )
