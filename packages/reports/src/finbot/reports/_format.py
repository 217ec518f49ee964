"""The one number format of every finbot surface: returns as percent, ratios to two decimals."""

from __future__ import annotations

import math

# (Metrics field, label, kind); kinds: pct = fraction shown as percent, num = 2 decimals,
# days, times (x), money, count.
METRIC_ROWS: tuple[tuple[str, str, str], ...] = (
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("annual_volatility", "Annual volatility", "pct"),
    ("sharpe", "Sharpe", "num"),
    ("sortino", "Sortino", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("max_drawdown_duration_days", "Max drawdown duration", "days"),
    ("calmar", "Calmar", "num"),
    ("win_rate", "Win rate", "pct"),
    ("profit_factor", "Profit factor", "num"),
    ("turnover", "Turnover", "times"),
    ("exposure", "Exposure", "pct"),
    ("total_commission", "Total commission", "money"),
)

METRIC_KINDS: dict[str, str] = {
    **{field: kind for field, _, kind in METRIC_ROWS},
    "starting_equity": "money",
    "final_equity": "money",
    "trade_count": "count",
    "order_count": "count",
    "fill_count": "count",
}


def format_value(value: float | int | None, kind: str) -> str:
    """A value as text in finbot's one format; ``None`` or NaN (undefined) shows as ``n/a``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{value * 100:,.2f}%"
    if kind == "num":
        return f"{value:,.2f}"
    if kind == "days":
        return f"{value:,.0f} days"
    if kind == "times":
        return f"{value:,.2f}x"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "bp":
        return f"{value:,.2f} bp"
    if kind == "count":
        return f"{value:,.0f}"
    return str(value)


def format_metric(field: str, value: float | int | None) -> str:
    """A ``Metrics`` field's value in its kind's format (unknown fields: 6 significant digits)."""
    kind = METRIC_KINDS.get(field)
    if kind is None:
        if value is None:
            return "n/a"
        return f"{value:.6g}" if isinstance(value, float) else str(value)
    return format_value(value, kind)
