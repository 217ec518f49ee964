"""Present a parity check for people: each run's header, side-by-side figures and verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from finbot.app import ParityRun
from finbot.contracts import BacktestResult
from finbot.parity import EXACT, Divergence, FillDifferenceReport, ParityReport, fill_differences

from ._render import header_table, run_rows


def _num(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.10g}"


def _diff(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "0" if value == 0 else f"{value:+.3g}"


def _header(run: ParityRun, tolerance_name: str) -> Table:
    result = run.results[0]
    tol = run.reports[0].tolerance  # one tolerance for every comparison of a run
    engines = ", ".join(f"{r.engine.name} {r.engine.version}" for r in run.results)
    limits = (
        "exact equality"
        if tol == EXACT
        else f"fill price {tol.fill_price_rel:g} rel, commission {tol.commission_abs:g} abs, "
        f"final equity {tol.final_equity_bp:g} bp, daily equity {tol.daily_equity_bp:g} bp, "
        f"metrics {tol.metric_rel:g} rel"
    )
    rows = [
        *run_rows(result, engine=None),
        ("Engines", f"{engines} (baseline {result.engine.name})"),
        ("Tolerance", f"{tolerance_name}: {limits}"),
    ]
    return header_table(f"finbot parity ({result.config.fill_policy.value})", rows)


def _comparison_table(report: ParityReport, left: BacktestResult, right: BacktestResult) -> Table:
    table = Table(
        title=f"{report.left_engine} (baseline) vs {report.right_engine}", title_justify="left"
    )
    table.add_column("", style="cyan", no_wrap=True)
    table.add_column(report.left_engine, justify="right")
    table.add_column(report.right_engine, justify="right")
    table.add_column("difference", justify="right")
    table.add_column("ok", justify="center")
    counts = (
        ("orders", report.order_counts),
        ("fills", report.fill_counts),
        ("trades", (len(left.trades), len(right.trades))),
        ("open positions", (len(left.positions), len(right.positions))),
    )
    for name, (a, b) in counts:
        table.add_row(name, _num(a), _num(b), _diff(b - a), _mark(a == b))
    for metric in report.metrics:
        table.add_row(
            metric.name,
            _num(metric.left),
            _num(metric.right),
            _diff(metric.difference),
            _mark(metric.within),
        )
    return table


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[bold red]✗[/]"


def _describe_divergence(kind: str, div: Divergence | None) -> str:
    if div is None:
        return f"First diverging {kind}: none"
    side = div.left or div.right or {}
    when = side.get("time") or side.get("submitted")
    head = f"First diverging {kind}: #{div.index} ({div.field})"
    if div.left is None or div.right is None:
        missing = "baseline" if div.left is None else "other engine"
        return f"{head}: missing in the {missing}; present one: {_brief(side)}"
    lp, rp = div.left.get("price"), div.right.get("price")
    prices = f", prices {lp!r} vs {rp!r}" if lp is not None else ""
    fields = f", {div.field} {div.left.get(div.field)!r} vs {div.right.get(div.field)!r}"
    return (
        f"{head}: {when} {side.get('side')} {side.get('quantity')} "
        f"{side.get('instrument_id')}{prices}{fields if div.field != 'price' else ''}"
    )


def _brief(item: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in item.items())


def _describe_fill_differences(diff: FillDifferenceReport) -> str:
    return (
        f"Fill by fill: {len(diff.matched)} paired, mean |difference| "
        f"{diff.mean_abs_price_bp:.3g} bp, largest {diff.max_abs_price_bp:.3g} bp, mean cost "
        f"{diff.mean_cost_bp:+.3g} bp; {diff.only_left} only on {diff.left_engine}, "
        f"{diff.only_right} only on {diff.right_engine}"
    )


def print_parity(console: Console, runs: Sequence[ParityRun], tolerance_name: str) -> None:
    """Print each run's header, the side-by-side comparison, divergences and the verdict."""
    for run in runs:
        console.print(_header(run, tolerance_name))
        console.print()
        for report, other in zip(run.reports, run.results[1:], strict=True):
            left = run.results[0]
            console.print(_comparison_table(report, left, other))
            lf, rf = report.final_equity
            currency = left.config.currency
            console.print(
                f"Final equity: {lf:,.6f} vs {rf:,.6f} {currency}, "
                f"gap {report.final_equity_gap_bp:.6g} bp"
            )
            session = report.max_daily_equity_gap_session
            console.print(
                f"Largest daily equity gap: {report.max_daily_equity_gap_bp:.6g} bp "
                + (f"(session {session})" if session else "(equal on every session)")
            )
            console.print(f"Largest fill price difference: {report.max_fill_price_rel:.3g} rel")
            console.print(_describe_fill_differences(fill_differences(left, other)))
            console.print(escape(_describe_divergence("order", report.first_order_divergence)))
            console.print(escape(_describe_divergence("fill", report.first_fill_divergence)))
            if report.ok:
                console.print(f"[bold green]PARITY OK[/] ({tolerance_name})")
            else:
                console.print(f"[bold red]PARITY BREACHED[/] ({tolerance_name}):")
                for breach in report.breaches:
                    console.print(f"  - {escape(breach)}")
            console.print()
    total = sum(len(run.reports) for run in runs)
    agreeing = sum(report.ok for run in runs for report in run.reports)
    verdict = "[bold green]OK[/]" if agreeing == total else "[bold red]BREACHED[/]"
    console.print(f"parity {verdict}: {agreeing} of {total} comparison(s) within {tolerance_name}")
