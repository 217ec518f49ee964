"""Present a ``BacktestResult``: a rich summary for people, a JSON summary for machines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from finbot.contracts import COST_KINDS, BacktestResult, Metrics, PriceMode, session_date
from finbot.reports import METRIC_ROWS, format_value

from ._rejections import rejections


def summary_payload(
    result: BacktestResult, *, output_files: list[str] | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """The machine-readable summary ``finbot backtest --json`` prints.

    ``run_id`` is the registry id of the recorded run (null with ``--no-record``).
    """
    metrics = result.metrics
    payload: dict[str, Any] = {
        "run_id": run_id,
        "schema_version": result.schema_version,
        "config": result.config.model_dump(mode="json"),
        "config_hash": result.config.config_hash(),
        "engine": result.engine.model_dump(mode="json"),
        "data_snapshot_id": result.data_snapshot_id,
        "metrics": metrics.model_dump(mode="json"),
        "costs": result.costs.model_dump(mode="json"),
        "counts": {
            "orders": len(result.orders),
            "fills": len(result.fills),
            "trades": len(result.trades),
            "open_positions": len(result.positions),
            "equity_points": len(result.equity_curve.ts_ns),
        },
        "final_equity": metrics.final_equity,
        "result_hash": result.content_hash(),
        "rejections": rejections(result).as_json(),
        "data_quality": (
            None if result.data_quality is None else result.data_quality.model_dump(mode="json")
        ),
    }
    if output_files is not None:
        payload["output_files"] = output_files
    return payload


def print_summary(
    console: Console, result: BacktestResult, *, output_files: list[str] | None = None
) -> None:
    """Print the run header, metrics table, counts and final equity."""
    console.print(_header(result))
    console.print()
    console.print(_metrics_table(result.metrics))
    m = result.metrics
    traded = sorted({fill.instrument_id for fill in result.fills})
    console.print(
        f"Trades: [bold]{m.trade_count}[/]   Orders: {m.order_count}   Fills: {m.fill_count}   "
        f"Open positions: {len(result.positions)}"
    )
    console.print(f"Traded: {escape(', '.join(traded)) if traded else 'nothing'}")
    rejected = rejections(result)
    if rejected.all_rejected:
        console.print(
            f"[bold red]EVERY ORDER WAS REJECTED[/]: {escape(rejected.text())}; "
            "the metrics describe a run that never traded"
        )
    elif rejected.count:
        console.print(f"[yellow]Rejected:[/] {escape(rejected.text())}")
    quality = result.data_quality
    for warning in quality.warnings if quality is not None else ():
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    currency = result.config.currency
    console.print(f"Costs paid: {escape(costs_paid_text(result))}")
    console.print(
        f"Final equity: [bold]{m.final_equity:,.2f} {currency}[/] "
        f"(start {m.starting_equity:,.2f}, {format_value(m.total_return, 'pct')})"
    )
    if output_files:
        console.print("Wrote: " + escape(", ".join(output_files)))


def costs_paid_text(result: BacktestResult) -> str:
    """Each cost kind's total and their sum, e.g. ``commission 12.34 + slippage 5.60 = 17.94 USD``.

    Kinds the run paid nothing of are left out; a run that paid nothing says so.
    """
    costs = result.costs
    paid = [(kind, getattr(costs, kind)) for kind in COST_KINDS if getattr(costs, kind)]
    if not paid:
        return "none"
    parts = " + ".join(f"{kind} {amount:,.2f}" for kind, amount in paid)
    return f"{parts} = {costs.total:,.2f} {result.config.currency}"


def run_rows(result: BacktestResult, *, engine: str | None) -> list[tuple[str, str]]:
    """The (label, value) rows describing the run ``result`` came from, ``engine`` after Dates."""
    config = result.config
    costs = config.cost_model
    ts = result.equity_curve.ts_ns
    span = f"{session_date(ts[0])} .. {session_date(ts[-1])} ({len(ts)} steps)" if ts else "no bars"
    params = ", ".join(f"{k}={v}" for k, v in config.strategy.params.items()) or "(defaults)"
    dataset = config.dataset.name
    if config.dataset.paths:
        dataset += " [" + ", ".join(config.dataset.paths) + "]"
    return [
        ("Strategy", config.strategy.id),
        ("Parameters", params),
        ("Dataset", f"{dataset} (snapshot {result.data_snapshot_id[:12]})"),
        ("Prices", prices_text(config.dataset.prices)),
        ("Dates", span),
        *([("Engine", engine)] if engine is not None else []),
        ("Fill policy", config.fill_policy.value),
        *([("Native execution", config.native.describe())] if config.native else []),
        ("Costs", costs.describe()),
        ("Account", config.account.describe()),
        ("Data checks", data_checks_text(result)),
        ("Starting cash", f"{config.starting_cash:,.2f} {config.currency}"),
    ]


def prices_text(prices: PriceMode | None) -> str:
    """The price mode, and what it means for corporate actions (ADR 0023)."""
    if prices is None:
        return "not recorded (a result from before schema 6)"
    return f"{prices.value} ({_PRICE_MEANING[prices]})"


_PRICE_MEANING = {
    PriceMode.RAW: "splits and dividends applied to positions and cash",
    PriceMode.SPLIT_ADJUSTED: "split-adjusted prices, dividends paid in cash",
    PriceMode.TOTAL_RETURN: "splits and dividends folded into the prices",
    PriceMode.BACKTRADER_YAHOO: "Adj Close rounded to cents, as Backtrader's Yahoo feed",
}


def data_checks_text(result: BacktestResult) -> str:
    """Calendar, missing-data policy, what it found and touched, and the checks overridden."""
    quality = result.data_quality
    if quality is None:
        return "not recorded (data not prepared by finbot)"
    missing = sum(map(len, quality.missing_sessions.values()))
    known = sum(map(len, quality.known_gaps.values()))
    text = (
        f"calendar {quality.calendar}, missing data {quality.missing_data.value}: "
        f"{missing} missing session(s)"
    )
    if known:
        text += f" ({known} declared by the dataset)"
    if quality.bars_touched:
        verb = "filled" if quality.filled else "dropped"
        text += f", {quality.bars_touched} bar(s) {verb}"
    allowed = result.config.dataset.allow
    if allowed:
        text += f"; checks overridden: {', '.join(a.value for a in allowed)}"
    return text


def header_table(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    """A titled two-column grid of (label, value) rows; values are shown as plain text."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, Text(value))
    table.title = title
    table.title_justify = "left"
    return table


def _header(result: BacktestResult) -> Table:
    engine = f"{result.engine.name} {result.engine.version}"
    rows = [*run_rows(result, engine=engine), ("Config hash", result.config.config_hash()[:16])]
    return header_table("finbot backtest", rows)


def _metrics_table(metrics: Metrics) -> Table:
    table = Table(title="Metrics", title_justify="left")
    table.add_column("Metric", style="cyan", no_wrap=True)
    table.add_column("Value", justify="right")
    for field, label, kind in METRIC_ROWS:
        table.add_row(label, format_value(getattr(metrics, field), kind))
    return table
