"""``finbot runs ...``: list, show, compare, export, rerun and verify recorded runs.

The registry library knows nothing of the CLI; the rerun use case (``finbot.app.rerun_recorded``)
wires it to the engines and strategies the composition root chooses.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from finbot.app import (
    check_report_path,
    open_registry,
    report_cohort,
    rerun_recorded,
    runs_strategy,
)
from finbot.contracts import ConfigError
from finbot.reports import format_metric

from ._errors import EXIT_RERUN_DIFFERS, EXIT_RUN_FAILED, errors_to_exit_codes
from ._options import PngOption, RegistryOption, ReportOption

if TYPE_CHECKING:
    # Imported lazily at run time: the registry pulls in SQLAlchemy, which `finbot --help` and
    # `finbot backtest --no-record` do not need.
    from finbot.registry import ListedRun, Registry

runs_app = typer.Typer(
    name="runs",
    help="Inspect, compare, export and rerun the runs recorded in the registry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DateOption = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])]

STATUSES = ("running", "finished", "failed", "abandoned")
StatusOption = Annotated[
    str | None, typer.Option(help=f"Only runs in this status: {', '.join(STATUSES)}.")
]
StrategyFilter = Annotated[str | None, typer.Option(help="Only this strategy id.")]
EngineFilter = Annotated[str | None, typer.Option(help="Only this engine.")]
TagFilter = Annotated[str | None, typer.Option(help="Only runs with this tag.")]


# --- helpers ----------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"choose one of {', '.join(STATUSES)}", param_hint="--status")


def _filtered(
    registry: Registry,
    strategy: str | None,
    engine: str | None,
    status: str | None,
    tag: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ListedRun]:
    """The matching runs; one whose record does not verify comes back flagged, not raised.

    ``strategy`` also matches a file or module strategy whose class declares that
    ``strategy_id`` (its runs are recorded under the file reference).
    """
    listed = registry.scan(
        engine=engine,
        status=status,
        tag=tag,
        since=since.date() if since else None,
        until=until.date() if until else None,
    )
    if strategy is None:
        return listed
    exact = {item.run_id for item in registry.scan(strategy=strategy)}
    return [
        item for item in listed
        if item.run_id in exact
        or (item.record is not None and runs_strategy(item.record.strategy.id, strategy))
    ]


# --- commands ---------------------------------------------------------------------------------
@runs_app.command("list")
def list_runs(
    registry: RegistryOption = None,
    strategy: StrategyFilter = None,
    engine: EngineFilter = None,
    status: StatusOption = None,
    tag: TagFilter = None,
    since: DateOption = None,
    until: DateOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the records as a JSON array on stdout only.")
    ] = False,
) -> None:
    """List recorded runs, oldest first (dates are UTC, YYYY-MM-DD, inclusive)."""
    _check_status(status)
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        listed = _filtered(reg, strategy, engine, status, tag, since, until)
        if as_json:
            typer.echo(json.dumps([_listed_json(item) for item in listed], indent=2))
            _flagged(listed)
            return
        table = Table("run id", "started (UTC)", "status", "strategy", "engine", "seconds",
                      "total return", "sharpe", "trades", "tags")
        for item in listed:
            r = item.record
            if r is None:
                table.add_row(item.run_id, "-", "[bold red]TAMPERED[/]", *("-" * 7))
                continue
            m = r.metrics or {}
            table.add_row(r.run_id, r.started_at[:19], r.status.value, r.strategy.id,
                          r.engine_name, _fmt(r.duration_seconds),
                          format_metric("total_return", m.get("total_return")),
                          format_metric("sharpe", m.get("sharpe")),
                          format_metric("trade_count", m.get("trade_count")), ",".join(r.tags))
        Console(width=200).print(table)
        typer.echo(f"{len(listed)} run(s) in {reg.location}")
        _flagged(listed)


def _listed_json(item: ListedRun) -> dict[str, Any]:
    """A listed run as JSON: the full record (with its hash), or its id and what is wrong."""
    if item.record is None:
        return {"run_id": item.run_id, "tampered": True, "problem": item.problem}
    payload: dict[str, Any] = item.record.model_dump(mode="json")
    payload["record_hash"] = item.record.record_hash
    payload["config"] = json.loads(payload.pop("config_json"))
    return payload


def _flagged(listed: list[ListedRun]) -> None:
    """Name every run whose record does not verify, and exit 1 after the full output."""
    bad = [item for item in listed if item.problem is not None]
    for item in bad:
        typer.echo(f"error: {item.problem}", err=True)
    if bad:
        typer.echo(
            f"error: {len(bad)} run(s) failed their integrity check (shown flagged); "
            "run `finbot runs verify` for the whole registry",
            err=True,
        )
        raise typer.Exit(EXIT_RUN_FAILED)


@runs_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix of 6+ characters).")],
    registry: RegistryOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Show one run's full record (verified against its stored hashes)."""
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        record = reg.get(run_id)
        payload = record.model_dump(mode="json")
        payload["record_hash"] = record.record_hash
        if as_json:
            typer.echo(json.dumps(payload, indent=2, sort_keys=True))
            return
        payload["config"] = json.loads(payload.pop("config_json"))
        packages = payload["environment"].pop("packages")
        table = Table("field", "value", show_header=False)
        for key, value in payload.items():
            table.add_row(key, _fmt(value))
        table.add_row("packages", f"{len(packages)} recorded (see --json)")
        Console(width=200).print(table)


@runs_app.command("compare")
def compare(
    run_ids: Annotated[
        list[str] | None, typer.Argument(help="Two or more run ids (or use --tag).")
    ] = None,
    registry: RegistryOption = None,
    tag: Annotated[
        str | None, typer.Option(help="Compare the finished runs with this tag (e.g. a sweep).")
    ] = None,
    all_config: Annotated[
        bool, typer.Option("--all-config", help="Show every config key, not only differing ones.")
    ] = False,
    report: ReportOption = None,
    png: PngOption = None,
) -> None:
    """Side by side: identity, the config keys that differ, and every metric."""
    ids = list(run_ids or ())
    if tag is None and len(ids) < 2:
        raise typer.BadParameter("give at least two run ids, or --tag", param_hint="RUN_IDS")
    with errors_to_exit_codes():
        check_report_path(report)
        with open_registry(registry, create=False) as reg:
            records = [reg.get(r) for r in ids]
            if tag is not None:
                records += [r for r in reg.runs(tag=tag, status="finished") if r.run_id not in ids]
            if len(records) < 2:
                raise ConfigError(f"--tag {tag}: fewer than two runs to compare")
            from finbot.registry import compare_runs

            cmp = compare_runs(records, all_config=all_config)
        console = Console(width=220)
        for title, rows in (("run", cmp.identity), ("config", cmp.config),
                            ("metrics", cmp.metrics)):
            table = Table(title, *cmp.run_ids, title=title)
            for label, values in rows:
                cells = (format_metric(label, v) if title == "metrics" else _fmt(v)
                         for v in values)
                table.add_row(label, *cells)
            if not rows:
                table.add_row("(no differences)", *("" for _ in cmp.run_ids))
            console.print(table)
        if report is not None:
            written = report_cohort(registry, records, report, png_dir=png)
            typer.echo("wrote " + ", ".join(str(p) for p in written), err=True)


@runs_app.command("export")
def export(
    registry: RegistryOption = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (complete) or csv.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")]
    = None,
    strategy: StrategyFilter = None,
    engine: EngineFilter = None,
    status: StatusOption = None,
    tag: TagFilter = None,
    since: DateOption = None,
    until: DateOption = None,
) -> None:
    """Export run records as JSON lines or CSV."""
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("choose jsonl or csv", param_hint="--format")
    _check_status(status)
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        records = _filtered(reg, strategy, engine, status, tag, since, until)
        from finbot.registry import write_csv, write_jsonl

        writer = write_jsonl if fmt == "jsonl" else write_csv
        if output is None:
            writer(records, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                writer(records, handle)
            typer.echo(f"wrote {len(records)} record(s) to {output}", err=True)
        _flagged(records)


@runs_app.command("rerun")
def rerun(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    registry: RegistryOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Rerun from the record and pinned data alone; exit 0 if the result is byte-identical.

    Exit 3 (with a report of what differs) when the new result's hash differs from the recorded.
    """
    with errors_to_exit_codes(verbose), open_registry(registry, create=False) as reg:
        report = rerun_recorded(reg, run_id, verbose=verbose)
        typer.echo(report.summary())
        if not report.identical:
            raise typer.Exit(EXIT_RERUN_DIFFERS)


@runs_app.command("verify")
def verify(registry: RegistryOption = None) -> None:
    """Check every record, result, artifact and snapshot against its stored hash."""
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        report = reg.check()
        for problem in report.problems:
            typer.echo(problem, err=True)
        for note in report.notes:
            typer.echo(note)
        typer.echo(
            f"{len(report.problems)} problem(s); {report.runs_checked} run(s) checked in "
            f"{reg.location}{' (read-only)' if reg.read_only else ''}"
        )
        if report.problems:
            raise typer.Exit(EXIT_RUN_FAILED)
