"""``finbot batches list`` / ``show`` / ``resume``: the batches recorded in the registry.

The use cases (``finbot.app.list_batches``, ``batch_history``, ``plan_resume``) read the
registry's batch tables; this module parses options and renders (a resumed batch as a sweep).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from finbot.app import BatchHistory, batch_history, list_batches, open_registry, plan_resume
from finbot.reports import format_metric

from ._errors import errors_to_exit_codes
from ._options import RegistryOption, VerboseOption, stdout_guard
from ._sweep_command import (
    DaskLocalOption,
    ExecutorOption,
    RestartStuckOption,
    RetriesOption,
    SchedulerOption,
    TimeoutOption,
    TopOption,
    WorkersOption,
    execution_options,
    run_and_show,
    run_and_show_walk_forward,
)

batches_app = typer.Typer(
    name="batches",
    help="List, inspect and resume the batches (sweeps, batch files, walk-forwards) recorded in "
    "the registry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_STATUS_ORDER = ("succeeded", "failed", "retried", "not run")
_STYLE = {"succeeded": "green", "failed": "bold red", "retried": "yellow", "not run": "magenta"}

BatchJsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout only.")]


def _counts_text(counts: dict[str, int]) -> str:
    order = [s for s in _STATUS_ORDER if s in counts] + sorted(set(counts) - set(_STATUS_ORDER))
    return ", ".join(f"{counts[s]} {s}" for s in order) or "-"


@batches_app.command("list")
def list_command(
    registry: RegistryOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show only the newest N batches.")
    ] = None,
    as_json: BatchJsonOption = False,
) -> None:
    """List recorded batches, newest first, with their runs' final statuses."""
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        summaries = list_batches(reg, limit=limit)
        if as_json:
            typer.echo(json.dumps([s.to_json() for s in summaries], indent=2))
            return
        table = Table("batch id", "created (UTC)", "name", "strategy", "runs", "final status")
        for s in summaries:
            table.add_row(s.batch_id, s.created_at[:19], escape(s.name or "-"),
                          escape(s.strategy), str(s.run_count), _counts_text(dict(s.counts)))
        Console(width=200).print(table)
        typer.echo(f"{len(summaries)} batch(es) in {reg.location}")


@batches_app.command("show")
def show_command(
    batch_id: Annotated[
        str, typer.Argument(help="Batch id (or a unique prefix of 6+ characters).")
    ],
    registry: RegistryOption = None,
    as_json: BatchJsonOption = False,
) -> None:
    """Show a batch: its spec, every run's final status and attempts, and how to finish it."""
    with errors_to_exit_codes(), open_registry(registry, create=False) as reg:
        history = batch_history(reg, batch_id)
        if as_json:
            typer.echo(json.dumps(history.to_json(), indent=2))
            return
        _print_history(Console(width=200), history)


@batches_app.command("resume")
def resume_command(
    batch_id: Annotated[
        str, typer.Argument(help="Batch id (or a unique prefix of 6+ characters).")
    ],
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    restart_stuck_workers: RestartStuckOption = False,
    timeout: TimeoutOption = None,
    retries: RetriesOption = None,
    top: TopOption = None,
    as_json: BatchJsonOption = False,
    verbose: VerboseOption = False,
    registry: RegistryOption = None,
) -> None:
    """Finish a recorded batch: rerun its stored spec, skipping the runs that succeeded.

    It runs as a new batch; the execution options override the stored ones.
    """
    with errors_to_exit_codes(verbose):
        execution = execution_options(
            executor, workers, scheduler, dask_local, timeout, retries, restart_stuck_workers
        )
        with stdout_guard(as_json), open_registry(registry, create=False) as reg:
            resume = plan_resume(reg, batch_id, execution=execution)
        typer.echo(resume.describe(), err=True)
        if resume.plan.spec.walk_forward is not None:
            run_and_show_walk_forward(resume.plan, registry=registry, record=True,
                                      as_json=as_json)
            return
        run_and_show(resume.plan, registry=registry, record=True, as_json=as_json, top=top)


def _print_history(console: Console, history: BatchHistory) -> None:
    spec = Table("field", "value", show_header=False, box=None)
    for key, value in history.summary().items():
        spec.add_row(key, escape(value))
    console.print(spec)
    metric = str(history.spec.get("metric", "sharpe"))
    table = Table("#", "dataset", "engine", "params", "outcome", "attempts", metric, "run id",
                  title=f"{len(history.runs)} runs")
    for run in history.runs:
        params = "?" if run.params is None else ", ".join(f"{k}={v}" for k, v in run.params.items())
        outcome = f"[{_STYLE.get(run.status, '')}]{escape(run.outcome)}[/]"
        lines = run.history() if len(run.attempts) > 1 or run.status == "failed" else []
        if lines:
            outcome += "\n" + "\n".join(escape(_clip(line)) for line in lines)
        table.add_row(str(run.index), escape(run.dataset or "?"), escape(run.engine or "?"),
                      escape(params or "-"), outcome, str(len(run.attempts)),
                      format_metric(metric, run.metric) if run.metric is not None else "-",
                      run.run_id or "-")
    console.print(table)
    console.print(f"final status: {_counts_text(history.counts())}", highlight=False)
    failures = history.failure_counts()
    if failures:
        text = ", ".join(f"{n} {kind}" for kind, n in sorted(failures.items()))
        console.print(f"failed by kind: {text}", highlight=False)
    retries = history.retry_counts()
    if retries:
        text = ", ".join(f"{n} {kind}" for kind, n in sorted(retries.items()))
        console.print(f"retried attempts by kind: {text}", highlight=False)
    hint = history.finish_hint()
    if hint:
        console.print(escape(hint), highlight=False)


def _clip(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
