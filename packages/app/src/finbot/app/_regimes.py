"""Regime segments: a run's daily returns split by market regime, with metrics per regime.

Regimes label each session: by the user (a CSV of ``date,label``), by the trend of a reference
instrument (close above or below its 200-session simple moving average), by volatility terciles
(21-session realized volatility of the reference, cut at its 1/3 and 2/3 quantiles), or by named
crisis windows. Sessions a rule cannot label (the SMA's warm-up) are left out.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from finbot.contracts import ConfigError, MarketData, session_date

from ._batch import daily_returns

if TYPE_CHECKING:
    from finbot.registry import Registry

SESSIONS_PER_YEAR = 252

# Peak-to-trough windows of well-known drawdowns of US equities (S&P 500 closes), inclusive.
CRISIS_WINDOWS: Mapping[str, tuple[date, date]] = {
    "dotcom_bust": (date(2000, 3, 24), date(2002, 10, 9)),
    "global_financial_crisis": (date(2007, 10, 9), date(2009, 3, 9)),
    "euro_debt_crisis": (date(2011, 7, 22), date(2011, 10, 3)),
    "covid_crash": (date(2020, 2, 19), date(2020, 3, 23)),
    "inflation_bear_2022": (date(2022, 1, 3), date(2022, 10, 12)),
}
RULES = ("trend", "volatility", "crisis", "labels")


def reference_closes(data: MarketData, instrument: str | None = None) -> dict[date, float]:
    """The last close of each session of one instrument (default: the first)."""
    iid = instrument or data.instrument_ids[0]
    if iid not in data.instrument_ids:
        raise ConfigError(
            f"no instrument '{iid}' in the data; it has {', '.join(data.instrument_ids)}"
        )
    series = data.bars(iid)
    return {session_date(ts): close for ts, close in zip(series.ts_ns, series.close, strict=True)}


def trend_labels(closes: Mapping[date, float], window: int = 200) -> dict[date, str]:
    """``up`` where the close is at or above its ``window``-session SMA, else ``down``."""
    days = sorted(closes)
    values = [closes[d] for d in days]
    out: dict[date, str] = {}
    running = math.fsum(values[:window])
    for i in range(window - 1, len(days)):
        if i >= window:
            running += values[i] - values[i - window]
        out[days[i]] = "up" if values[i] >= running / window else "down"
    return out


def volatility_labels(closes: Mapping[date, float], window: int = 21) -> dict[date, str]:
    """``low``/``mid``/``high`` terciles of the ``window``-session realized volatility."""
    days = sorted(closes)
    returns = [closes[b] / closes[a] - 1.0 for a, b in pairwise(days)]
    vols = {
        days[i + 1]: statistics.stdev(returns[i - window + 1 : i + 1])
        for i in range(window - 1, len(returns))
    }
    if len(vols) < 3:
        return {}
    low, high = statistics.quantiles(vols.values(), n=3)
    return {d: "low" if v <= low else "high" if v > high else "mid" for d, v in vols.items()}


def crisis_labels(
    days: Sequence[date], windows: Mapping[str, tuple[date, date]] = CRISIS_WINDOWS
) -> dict[date, str]:
    """The crisis window each day falls in, else ``normal``."""
    out = {}
    for day in days:
        out[day] = next((n for n, (a, b) in windows.items() if a <= day <= b), "normal")
    return out


def read_labels(path: str | Path) -> dict[date, str]:
    """User labels from a CSV with ``date`` and ``label`` columns (YYYY-MM-DD).

    Raises:
        ConfigError: The file is missing, lacks the columns, or a row is malformed (named by row).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"labels file not found: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"date", "label"} <= set(reader.fieldnames):
            raise ConfigError(f"{path}: needs 'date' and 'label' columns, has {reader.fieldnames}")
        out = {}
        for row_number, row in enumerate(reader, start=2):
            try:
                out[date.fromisoformat(row["date"].strip())] = row["label"].strip()
            except (ValueError, AttributeError):
                raise ConfigError(
                    f"{path}, row {row_number}: date {row['date']!r} is not YYYY-MM-DD"
                ) from None
    return out


@dataclass(frozen=True, slots=True)
class RegimeMetrics:
    """A run's figures over the sessions of one regime."""

    label: str
    days: int
    total_return: float
    annual_return: float | None
    annual_volatility: float | None
    sharpe: float | None
    max_drawdown: float


def regime_metrics(
    days: Sequence[date], returns: Sequence[float], labels: Mapping[date, str]
) -> list[RegimeMetrics]:
    """Metrics of the daily ``returns`` (one per day in ``days``) grouped by regime label.

    Returns compound within a regime as if only its days were traded (gaps between its spells
    are skipped), which is what "how did the strategy do in down-trends" asks.
    """
    groups: dict[str, list[float]] = {}
    for day, r in zip(days, returns, strict=True):
        if day in labels:
            groups.setdefault(labels[day], []).append(r)
    out = []
    for label in sorted(groups):
        rs = groups[label]
        growth = math.prod(1 + r for r in rs)
        std = statistics.stdev(rs) if len(rs) > 1 else 0.0
        equity, peak, worst = 1.0, 1.0, 0.0
        for r in rs:
            equity *= 1 + r
            peak = max(peak, equity)
            worst = max(worst, 1 - equity / peak)
        out.append(
            RegimeMetrics(
                label=label,
                days=len(rs),
                total_return=growth - 1,
                annual_return=growth ** (SESSIONS_PER_YEAR / len(rs)) - 1 if growth > 0 else None,
                annual_volatility=std * math.sqrt(SESSIONS_PER_YEAR) if len(rs) > 1 else None,
                sharpe=statistics.fmean(rs) / std * math.sqrt(SESSIONS_PER_YEAR) if std else None,
                max_drawdown=worst,
            )
        )
    return out


def regime_labels(
    rule: str,
    data: MarketData,
    days: Sequence[date],
    *,
    instrument: str | None = None,
    labels_file: str | Path | None = None,
) -> dict[date, str]:
    """The labels one rule gives (``trend``, ``volatility``, ``crisis`` or ``labels``).

    Raises:
        ConfigError: An unknown rule, ``labels`` without a file, or an unknown instrument.
    """
    if rule == "trend":
        return trend_labels(reference_closes(data, instrument))
    if rule == "volatility":
        return volatility_labels(reference_closes(data, instrument))
    if rule == "crisis":
        return crisis_labels(days)
    if rule == "labels":
        if labels_file is None:
            raise ConfigError("regime rule 'labels' needs a labels file (date,label CSV)")
        return read_labels(labels_file)
    raise ConfigError(f"unknown regime rule '{rule}'; choose one of {', '.join(RULES)}")


def run_regimes(
    registry: Registry,
    run_id: str,
    rule: str,
    *,
    instrument: str | None = None,
    labels_file: str | Path | None = None,
) -> list[RegimeMetrics]:
    """A recorded run's metrics per regime, from its stored result and pinned data.

    Raises:
        RunNotFoundError: No such run. ConfigError: a bad rule, instrument or labels file.
    """
    result = registry.load_result(run_id)
    days, returns = daily_returns(result)
    data = registry.run_snapshot(run_id)
    labels = regime_labels(rule, data, days, instrument=instrument, labels_file=labels_file)
    return regime_metrics(days, returns, labels)
