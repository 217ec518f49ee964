"""``finbot walkforward``: optimize a grid in each training window, run the winner out of sample.

The use case is ``finbot.app.walk_forward``; this module parses options and renders the folds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from finbot.app import plan_payload, read_batch_file
from finbot.contracts import FillPolicy, PriceMode

from ._errors import errors_to_exit_codes
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
    stdout_guard,
)
from ._sweep_command import (
    BatchNameOption,
    BatchTagOption,
    DaskLocalOption,
    ExecutorOption,
    GridOption,
    MetricOption,
    RecordOption,
    RestartStuckOption,
    RetriesOption,
    SchedulerOption,
    TimeoutOption,
    WorkersOption,
    execution_options,
    run_and_show_walk_forward,
    run_options_payload,
    with_labels,
    with_overrides,
)


def walkforward(
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
        typer.Option("--engine", help="Engine; repeat to walk forward on each."),
    ] = None,
    folds: Annotated[int | None, typer.Option(help="Number of folds (default 4).")] = None,
    train: Annotated[
        int | None, typer.Option("--train", help="Training sessions (default: all before).")
    ] = None,
    test: Annotated[
        int | None, typer.Option("--test", help="Test sessions per fold (default n/(folds+1)).")
    ] = None,
    anchored: Annotated[
        bool, typer.Option("--anchored/--rolling", help="Training windows start at the first "
                           "session (anchored) or keep their length (rolling, default).")
    ] = False,
    purge: Annotated[
        int, typer.Option("--purge", help="Sessions dropped between training and test.")
    ] = 0,
    embargo: Annotated[
        int, typer.Option("--embargo", help="Sessions skipped after each test window.")
    ] = 0,
    warmup: Annotated[
        int | None,
        typer.Option("--warmup", help="Sessions before each test window its run warms "
                     "up on (default: the strategy's warmup_bars(); 0: none)."),
    ] = None,
    batch_file: Annotated[
        Path | None,
        typer.Option("--batch", help="A TOML batch file with a [walk_forward] table instead."),
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
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    registry: RegistryOption = None,
    record: RecordOption = True,
) -> None:
    """Walk forward: optimize the grid in each training window, run the winner on the next.

    With several engines (or datasets in a ``--batch`` file), one walk-forward per pair.
    """
    with errors_to_exit_codes(verbose):
        payload: dict[str, Any]
        if batch_file is not None:
            payload = read_batch_file(batch_file)
            source = f"batch file {batch_file}"
        else:
            wf = {"folds": folds, "train_sessions": train, "test_sessions": test,
                  "anchored": anchored, "purge_sessions": purge, "embargo_sessions": embargo,
                  "warmup_sessions": warmup}
            payload = run_options_payload(
                strategy=strategy, data=data, start=start, end=end, cash=cash,
                commission=commission, commission_per_share=commission_per_share,
                slippage_bps=slippage_bps, fill_policy=fill_policy, param=param,
                engines=engine, prices=prices,
            )
            payload["walk_forward"] = {k: v for k, v in wf.items() if v is not None}
            source = "finbot walkforward"
        with_overrides(
            with_labels(payload, tag, name),
            execution_options(
                executor, workers, scheduler, dask_local, timeout, retries, restart_stuck_workers
            ),
            metric,
        )
        with stdout_guard(as_json):
            plan = plan_payload(payload, source=source)
        run_and_show_walk_forward(plan, registry=registry, record=record, as_json=as_json)

