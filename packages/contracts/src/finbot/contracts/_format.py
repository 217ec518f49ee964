"""The one number format of every finbot surface (CLI, reports, notebooks): returns as percent."""

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


# kind -> (scale, format): the value is multiplied by scale, then formatted.
_FORMATS: dict[str, tuple[float, str]] = {
    "pct": (100.0, "{:,.2f}%"),
    "num": (1.0, "{:,.2f}"),
    "days": (1.0, "{:,.0f} days"),
    "times": (1.0, "{:,.2f}x"),
    "money": (1.0, "{:,.2f}"),
    "bp": (1.0, "{:,.2f} bp"),
    "count": (1.0, "{:,.0f}"),
}


def format_value(value: float | int | None, kind: str) -> str:
    """A value as text in finbot's one format; ``None`` or NaN (undefined) shows as ``n/a``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind not in _FORMATS:
        return str(value)
    scale, fmt = _FORMATS[kind]
    return fmt.format(value * scale)


def format_metric(field: str, value: float | int | None) -> str:
    """A ``Metrics`` field's value in its kind's format (unknown fields: 6 significant digits)."""
    kind = METRIC_KINDS.get(field)
    if kind is None:
        if value is None:
            return "n/a"
        return f"{value:.6g}" if isinstance(value, float) else str(value)
    return format_value(value, kind)
