"""``finbot sweep`` (a parameter grid from the command line) and ``finbot batch FILE.toml``.

Both build a ``finbot.app.BatchSpec``, call ``finbot.app.run_sweep`` and render its report.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from finbot.app import (
    BatchPlan,
    BatchReport,
    parse_grid,
    plan_payload,
    read_batch_file,
    run_sweep,
    walk_forward,
)
from finbot.contracts import FillPolicy, PriceMode

from ._batch_render import live_progress, print_batch, print_walk_forward
from ._errors import EXIT_RUN_FAILED, errors_to_exit_codes
from ._options import (
    CashOption,
    CommissionOption,
    CommissionPerShareOption,
    DataOption,
    EndOption,
    JsonOption,
    PricesOption,
    RegistryOption,
    SlippageOption,
    StartOption,
    StrategyOption,
    VerboseOption,
    run_tags,
    stdout_guard,
)

ExecutorOption = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="local (a process pool sized to the cores; default), dask, or serial (in-process).",
    ),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Worker processes of the local pool.")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); implies dask."),
]
DaskLocalOption = Annotated[
    int | None,
    typer.Option("--dask-local", help="Start a Dask LocalCluster of N workers; implies dask."),
]
RestartStuckOption = Annotated[
    bool,
    typer.Option(
        "--restart-stuck-workers",
        help="With --scheduler: restart (through its nanny) a worker whose run is past its hard "
        "limit, instead of leaving it to the cluster (ADR 0029). Only for a cluster of your own.",
    ),
]
TimeoutOption = Annotated[
    float | None, typer.Option("--timeout", help="Per-run timeout in seconds.")
]
RetriesOption = Annotated[
    int | None,
    typer.Option("--retries", help="Retries of a run lost to a transient failure (default 2)."),
]
MetricOption = Annotated[
    str | None,
    typer.Option("--metric", help="Metric to rank runs by (default sharpe)."),
]
TopOption = Annotated[
    int | None, typer.Option("--top", help="Show only the best N runs in the table.")
]
RecordOption = Annotated[
    bool,
    typer.Option(
        "--record/--no-record",
        help="Record the batch in the registry and skip runs that already succeeded there.",
    ),
]
BatchTagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", help="Tag every recorded run (repeatable); `runs list --tag` finds them."
    ),
]
BatchNameOption = Annotated[
    str | None,
    typer.Option("--name", help="Name the batch; its runs are tagged name:NAME."),
]
GridOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="Parameter values: fast=5,10,20 or a range fast=5:50:5 (stop included) or "
        "fast=[5,10]; repeat per parameter; one value fixes it.",
    ),
]


def execution_options(
    executor: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    timeout: float | None,
    retries: int | None,
    restart_stuck_workers: bool = False,
) -> dict[str, Any]:
    """The ``[execution]`` fields given on the command line (dask implied by its options)."""
    if executor is None and (scheduler is not None or dask_local is not None):
        executor = "dask"
    given = {
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "dask_local": dask_local,
        "timeout_seconds": timeout,
        "retries": retries,
        # Only when given, so that a batch file's setting stands otherwise.
        "restart_stuck_workers": restart_stuck_workers or None,
    }
    return {k: v for k, v in given.items() if v is not None}


def run_and_show(
    plan: BatchPlan,
    *,
    registry: str | None,
    record: bool,
    as_json: bool,
    top: int | None,
) -> None:
    """Run the planned batch with live progress on stderr, then print its report.

    Exits 1 after the report when a run failed.
    """
    err = Console(stderr=True)
    with stdout_guard(as_json), live_progress(err, plan.spec.name or "sweep") as progress:
        report: BatchReport = run_sweep(
            plan, registry=registry, record=record, on_progress=progress
        )
    if as_json:
        typer.echo(json.dumps(report.to_payload(), indent=2))
    else:
        print_batch(Console(width=max(Console().width, 120)), report, top=top)
    if not report.ok:
        raise typer.Exit(EXIT_RUN_FAILED)


def sweep(
    strategy: StrategyOption = None,
    data: DataOption = None,
    start: StartOption = None,
    end: EndOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.0,
    commission_per_share: CommissionPerShareOption = 0.0,
    slippage_bps: SlippageOption = 0.0,
    fill_policy: Annotated[
        FillPolicy, typer.Option(case_sensitive=False, help="next_open or this_close.")
    ] = FillPolicy.NEXT_OPEN,
    prices: PricesOption = PriceMode.TOTAL_RETURN,
    param: GridOption = None,
    engine: Annotated[
        list[str] | None,
        typer.Option("--engine", help="Engine; repeat to run the grid on several."),
    ] = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    restart_stuck_workers: RestartStuckOption = False,
    timeout: TimeoutOption = None,
    retries: RetriesOption = None,
    metric: MetricOption = None,
    tag: BatchTagOption = None,
    name: BatchNameOption = None,
    top: TopOption = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    registry: RegistryOption = None,
    record: RecordOption = True,
) -> None:
    """Run a strategy over a parameter grid, in parallel; rank the runs by a metric."""
    with errors_to_exit_codes(verbose):
        payload = run_options_payload(
            strategy=strategy, data=data, start=start, end=end, cash=cash,
            commission=commission, commission_per_share=commission_per_share,
            slippage_bps=slippage_bps, fill_policy=fill_policy, param=param, engines=engine,
            prices=prices,
        )
        with_labels(payload, tag, name)
        with_overrides(
            payload,
            execution_options(
                executor, workers, scheduler, dask_local, timeout, retries, restart_stuck_workers
            ),
            metric,
        )
        with stdout_guard(as_json):
            plan = plan_payload(payload, source="finbot sweep")
        run_and_show(plan, registry=registry, record=record, as_json=as_json, top=top)


def batch(
    path: Annotated[Path, typer.Argument(help="A TOML batch file (see docs/batch.md).")],
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    restart_stuck_workers: RestartStuckOption = False,
    timeout: TimeoutOption = None,
    retries: RetriesOption = None,
    metric: MetricOption = None,
    tag: BatchTagOption = None,
    name: BatchNameOption = None,
    top: TopOption = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    registry: RegistryOption = None,
    record: RecordOption = True,
) -> None:
    """Run the batch a TOML file describes (strategy, datasets, engines, grid, execution).

    A file with a ``[walk_forward]`` table runs as ``finbot walkforward --batch FILE``.
    """
    with errors_to_exit_codes(verbose):
        payload = with_overrides(
            with_labels(read_batch_file(path), tag, name),
            execution_options(
                executor, workers, scheduler, dask_local, timeout, retries, restart_stuck_workers
            ),
            metric,
        )
        with stdout_guard(as_json):
            plan = plan_payload(payload, source=f"batch file {path}")
        if plan.spec.walk_forward is not None:
            run_and_show_walk_forward(plan, registry=registry, record=record, as_json=as_json)
            return
        run_and_show(plan, registry=registry, record=record, as_json=as_json, top=top)


def run_and_show_walk_forward(
    plan: BatchPlan, *, registry: str | None, record: bool, as_json: bool
) -> None:
    """Run the walk-forward with live progress on stderr, then print its report.

    Exits 1 after the report when a training or out-of-sample run failed.
    """
    err = Console(stderr=True)
    with stdout_guard(as_json), live_progress(err, "walk-forward") as progress:
        report = walk_forward(plan, registry=registry, record=record, on_progress=progress)
    if as_json:
        typer.echo(json.dumps(report.to_payload(), indent=2))
    else:
        print_walk_forward(Console(width=max(Console().width, 120)), report)
    if not (report.training.ok and report.testing.ok):
        raise typer.Exit(EXIT_RUN_FAILED)


def _iso_date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def run_options_payload(
    *,
    strategy: str | None,
    data: list[Path] | None,
    start: datetime | None,
    end: datetime | None,
    cash: float,
    commission: float,
    commission_per_share: float,
    slippage_bps: float,
    fill_policy: FillPolicy,
    param: list[str] | None,
    engines: list[str] | None,
    prices: PriceMode = PriceMode.TOTAL_RETURN,
) -> dict[str, Any]:
    """The batch payload the run options describe (``-p`` items parsed as a grid)."""
    return {
        "strategy": strategy,
        "grid": parse_grid(param or ()),
        "datasets": [{"paths": [str(p) for p in data]}] if data else [],
        "engines": engines or [],
        "start": _iso_date(start),
        "end": _iso_date(end),
        "cash": cash,
        "commission_bps": commission,
        "commission_per_share": commission_per_share,
        "slippage_bps": slippage_bps,
        "fill_policy": fill_policy,
        "prices": prices,
    }


def with_labels(
    payload: dict[str, Any], tags: list[str] | None, name: str | None
) -> dict[str, Any]:
    """``payload`` with ``--tag`` values added to its tags, and ``--name`` as its name and tag.

    Raises:
        ConfigError: A blank tag or name.
    """
    extra = run_tags(tags, name)
    given = payload.get("tags")
    if extra and (given is None or isinstance(given, list)):
        payload["tags"] = [*(given or []), *extra]
    if name is not None:
        payload["name"] = name.strip()
    return payload


def with_overrides(
    payload: dict[str, Any], execution: dict[str, Any], metric: str | None
) -> dict[str, Any]:
    """``payload`` with command-line execution settings and metric over its own; Nones dropped."""
    if execution:
        given = payload.get("execution")
        payload["execution"] = {**(given if isinstance(given, dict) else {}), **execution}
    if metric:
        payload["metric"] = metric
    for key in [k for k, v in payload.items() if v is None]:
        del payload[key]
    return payload
