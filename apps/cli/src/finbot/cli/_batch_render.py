"""Present a batch: live progress on stderr, the ranked table, a heatmap for two-parameter grids."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from finbot.app import (
    LOWER_IS_BETTER,
    BatchProgress,
    BatchReport,
    FoldResult,
    PairWalkForward,
    RunRow,
    RunStatus,
    WalkForwardReport,
)
from finbot.reports import format_value

_STATUS_STYLE = {
    RunStatus.SUCCEEDED: "green",
    RunStatus.SKIPPED: "cyan",
    RunStatus.FAILED: "bold red",
}


@contextlib.contextmanager
def live_progress(console: Console, title: str) -> Iterator[Any]:
    """A callback drawing done/failed/running, rate and ETA; a no-op when stderr is no terminal."""
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task: TaskID | None = None

        def update(p: BatchProgress) -> None:
            nonlocal task
            if task is None:
                task = progress.add_task(title, total=p.total, counts="", rate="")
            rate = p.succeeded / p.elapsed_seconds if p.elapsed_seconds > 0 else 0.0
            counts = (
                f"[green]{p.succeeded} ok[/] [cyan]{p.skipped} skipped[/] "
                f"[red]{p.failed} failed[/] {p.running} running {p.retries} retries"
            )
            progress.update(task, total=p.total, completed=p.done, counts=counts,
                            rate=f"{rate:.1f} runs/s")

        yield update


def _params_text(params: dict[str, Any] | Any) -> list[str]:
    return [json.dumps(v) for v in params.values()]


def _metric_text(row: RunRow, name: str) -> str:
    value = row.metric(name)
    kind = "num" if name in ("sharpe", "sortino", "calmar", "profit_factor") else "pct"
    if name in ("final_equity", "starting_equity", "total_commission"):
        kind = "money"
    if name == "max_drawdown_duration_days":
        kind = "days"
    return format_value(value, kind)


def _outcome(row: RunRow) -> str:
    if row.status is RunStatus.FAILED:
        return escape(f"{row.failure.value if row.failure else 'failed'}: {row.error or ''}")[:90]
    return row.run_id or ""


def batch_table(report: BatchReport, *, top: int | None = None) -> Table:
    """The runs best first by the batch's metric (failed runs last, with their failure kind)."""
    rows = report.ranked()
    names = list(rows[0].params) if rows else []
    datasets = len({r.dataset for r in rows}) > 1
    engines = len({r.engine for r in rows}) > 1
    arrow = "v" if report.metric in LOWER_IS_BETTER else "^"
    table = Table(title=f"{len(rows)} runs ranked by {report.metric} ({arrow} better)")
    table.add_column("#", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    if datasets:
        table.add_column("dataset")
    if engines:
        table.add_column("engine")
    table.add_column("status")
    extra = [m for m in ("sharpe", "total_return", "max_drawdown") if m != report.metric]
    for name in (report.metric, *extra):
        table.add_column(name, justify="right")
    table.add_column("trades", justify="right")
    table.add_column("tries", justify="right")
    table.add_column("run id / failure")
    shown = rows if top is None else rows[:top]
    for rank, row in enumerate(shown, 1):
        style = _STATUS_STYLE.get(row.status, "")
        cells = [str(rank), *_params_text(row.params)]
        cells += [row.dataset] if datasets else []
        cells += [row.engine] if engines else []
        cells.append(f"[{style}]{row.status.value}[/]" if style else row.status.value)
        cells += [_metric_text(row, m) for m in (report.metric, *extra)]
        cells.append(str(row.metrics.trade_count) if row.metrics else "")
        cells.append(str(row.attempts))
        cells.append(_outcome(row))
        table.add_row(*cells)
    return table


def heatmaps(report: BatchReport) -> list[tuple[str, Table]]:
    """One text heatmap of the metric per dataset and engine, for a grid of two parameters."""
    rows = report.rows
    names = list(rows[0].params) if rows else []
    varying = [n for n in names if len({json.dumps(r.params[n]) for r in rows}) > 1]
    if len(varying) != 2:
        return []
    across, down = varying[1], varying[0]
    tables = []
    for (dataset, engine) in sorted({(r.dataset, r.engine) for r in rows}):
        group = [r for r in rows if (r.dataset, r.engine) == (dataset, engine)]
        cols = _distinct(r.params[across] for r in group)
        lines = _distinct(r.params[down] for r in group)
        values = [v for r in group if (v := r.metric(report.metric)) is not None]
        low, high = (min(values), max(values)) if values else (0.0, 0.0)
        heading = (
            f"{report.metric} by {down} (rows) x {across} (columns): {dataset} on {engine}"
        )
        table = Table()
        table.add_column(f"{down} \\ {across}", justify="right")
        for col in cols:
            table.add_column(json.dumps(col), justify="right")
        cell = {(json.dumps(r.params[down]), json.dumps(r.params[across])): r for r in group}
        for line in lines:
            out = [json.dumps(line)]
            for col in cols:
                row = cell.get((json.dumps(line), json.dumps(col)))
                out.append(_shade(row, report.metric, low, high))
            table.add_row(*out)
        tables.append((heading, table))
    return tables


def _distinct(values: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(json.dumps(v), v)
    return list(seen.values())


def _shade(row: RunRow | None, metric: str, low: float, high: float) -> str:
    if row is None:
        return ""
    value = row.metric(metric)
    if value is None:
        return "[red]fail[/]" if row.status is RunStatus.FAILED else "n/a"
    share = 0.5 if high == low else (value - low) / (high - low)
    if metric in LOWER_IS_BETTER:
        share = 1 - share
    style = ("red", "yellow", "green")[min(2, int(share * 3))]
    return f"[{style}]{value:.3g}[/]"


def print_batch(console: Console, report: BatchReport, *, top: int | None = None) -> None:
    """The ranked table, the heatmaps, the statistics and the failure counts."""
    console.print(batch_table(report, top=top))
    for heading, table in heatmaps(report):
        console.print(heading, highlight=False)
        console.print(table)
    counts = ", ".join(
        f"{report.count(s)} {s.value}" for s in RunStatus if report.count(s)
    )
    console.print(
        f"batch {report.batch_id or '(not recorded)'}: {counts}; "
        f"{report.elapsed_seconds:.1f} s on {report.executor} "
        f"({report.workers} worker{'s' if report.workers != 1 else ''}, "
        f"up to {report.bundle_size} run{'s' if report.bundle_size != 1 else ''} per task)",
        highlight=False,
    )
    listing = failure_counts(report.rows)
    if listing:
        console.print(f"[bold red]failed runs:[/] {listing}", highlight=False)
    for line in statistics_lines(report.statistics):
        console.print(line, highlight=False)


def failure_counts(rows: Sequence[RunRow]) -> str:
    """How many runs failed, by kind (``2 strategy_exception, 1 timeout``); "" when none did."""
    failures: dict[str, int] = {}
    for row in rows:
        if row.status is RunStatus.FAILED and row.failure:
            failures[row.failure.value] = failures.get(row.failure.value, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(failures.items()))


def statistics_lines(stats: dict[str, Any] | Any) -> Sequence[str]:
    """The overfitting statistics of each dataset and engine: DSR of the best run, PBO, warnings."""
    lines: list[str] = []
    for group in dict(stats).get("groups", []):
        where = f"{group['dataset']} on {group['engine']}"
        dsr = group.get("deflated_sharpe")
        if dsr:
            value = "n/a" if dsr["dsr"] is None else f"{dsr['dsr']:.3f}"
            lines.append(
                f"{where}: deflated Sharpe ratio of the best run {value} "
                f"({dsr['trials']} trials on record, {dsr['observations']} days)"
            )
        pbo = group.get("pbo")
        if pbo:
            lines.append(
                f"{where}: probability of backtest overfitting {pbo['pbo']:.3f} "
                f"(CSCV, {pbo['blocks']} blocks, {pbo['combinations']} combinations, "
                f"{pbo['trials']} trials)"
            )
        lines.extend(f"[yellow]warning:[/] {escape(w)}" for w in group.get("warnings", []))
    return lines


def print_walk_forward(console: Console, report: WalkForwardReport) -> None:
    """Each pair's per-fold table, out-of-sample summary and overfitting statistics.

    With several (dataset, engine) pairs, a table of the pairs side by side follows them.
    """
    several = len(report.pairs) > 1
    for pair in report.pairs:
        _print_pair(console, report.metric, pair, several)
    if several:
        console.print(cross_pair_table(report))
        for line in cross_pair_lines(report.cross_pair_summary()):
            console.print(line, highlight=False)
    for stage, batch in (("training", report.training), ("out-of-sample", report.testing)):
        listing = failure_counts(batch.rows)
        if listing:
            console.print(f"[bold red]failed {stage} runs:[/] {listing} (batch "
                          f"{batch.batch_id or 'not recorded'})", highlight=False)
    if report.tag is not None:
        console.print(
            f"recorded runs are tagged {report.tag} (and fold:K:train or fold:K:test); the "
            f"folds page: finbot runs compare --tag {report.tag} --report FILE.html",
            highlight=False,
        )


def _print_pair(console: Console, metric: str, pair: PairWalkForward, several: bool) -> None:
    where = f"{pair.dataset} on {pair.engine}"
    title = f"walk-forward: {len(pair.folds)} folds, optimizing {metric}"
    table = Table(title=f"{title}: {escape(where)}" if several else title)
    for column in ("fold", "train", "test", "warm-up", "winner", f"IS {metric}",
                   f"OOS {metric}", "OOS return", "PBO", "DSR"):
        table.add_column(column, justify="right" if column != "winner" else "left")
    for f in pair.folds:
        winner, oos = f.winner, f.out_of_sample
        stats = f.statistics
        pbo = stats.get("pbo", {}).get("pbo")
        dsr = stats.get("deflated_sharpe", {}).get("dsr")
        table.add_row(
            str(f.fold.index),
            f"{f.fold.train[0]} .. {f.fold.train[1]}",
            f"{f.fold.test[0]} .. {f.fold.test[1]}",
            _warmup(f),
            escape(" ".join(f"{k}={json.dumps(v)}" for k, v in winner.params.items()))
            if winner else "(no finished run)",
            _num(winner.metric(metric) if winner else None),
            _num(oos.metric(metric) if oos else None),
            format_value(oos.metric("total_return") if oos else None, "pct"),
            _num(pbo),
            _num(dsr),
        )
    console.print(table)
    if any(f.open_at_test_start for f in pair.folds):
        console.print(
            "held: the out-of-sample run entered its test window holding a position opened on "
            "a warm-up bar; its figures count from the test window's first session",
            highlight=False,
        )
    s = pair.summary()
    console.print(
        f"{escape(where) + ': ' if several else ''}out of sample: {s['oos_days']} days, "
        f"total return {format_value(s['oos_total_return'], 'pct')}, "
        f"Sharpe {_num(s['oos_sharpe'])}; mean PBO of the training grids {_num(s['mean_pbo'])}",
        highlight=False,
    )
    for f in pair.folds:
        label = f"{where}, fold {f.fold.index}" if several else f"fold {f.fold.index}"
        for line in statistics_lines({"groups": [{"dataset": label, "engine": "training grid",
                                                  **f.statistics}]}):
            console.print(line, highlight=False)


def _warmup(fold: FoldResult) -> str:
    """The out-of-sample run's warm-up sessions, and ``held`` when it entered the test holding."""
    if fold.out_of_sample is None:
        return "-"
    return f"{fold.warmup_sessions}, held" if fold.open_at_test_start else str(fold.warmup_sessions)


def cross_pair_table(report: WalkForwardReport) -> Table:
    """One row per (dataset, engine) pair: its folds and out-of-sample figures."""
    table = Table(title=f"walk-forward across {len(report.pairs)} (dataset, engine) pairs")
    for column in ("dataset", "engine", "folds", "OOS days", "OOS return", "OOS Sharpe",
                   "mean PBO"):
        table.add_column(column, justify="left" if column in ("dataset", "engine") else "right")
    for pair in report.pairs:
        s = pair.summary()
        table.add_row(
            escape(pair.dataset), escape(pair.engine), str(len(pair.folds)), str(s["oos_days"]),
            format_value(s["oos_total_return"], "pct"), _num(s["oos_sharpe"]),
            _num(s["mean_pbo"]),
        )
    return table


def cross_pair_lines(summary: dict[str, Any]) -> list[str]:
    """The cross-pair summary in words."""
    lines = [
        f"across {summary['pairs']} pairs: {summary['profitable_pairs']} profitable out of "
        f"sample, mean OOS return {format_value(summary['mean_oos_total_return'], 'pct')}, "
        f"mean OOS Sharpe {_num(summary['mean_oos_sharpe'])} (min "
        f"{_num(summary['min_oos_sharpe'])}, max {_num(summary['max_oos_sharpe'])}), "
        f"mean PBO {_num(summary['mean_pbo'])}"
    ]
    agreement = summary["engine_agreement"]
    if agreement is not None:
        lines.append(
            f"engines on the same dataset picked the same winner in "
            f"{format_value(agreement, 'pct')} of folds"
        )
    return lines


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"
