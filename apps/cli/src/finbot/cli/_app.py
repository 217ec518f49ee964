"""The ``finbot`` command line (typer): the app, its ``backtest`` command and the entry point.

Errors and exit codes follow the one policy in ``_errors``; ``parity`` and ``runs`` live beside.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from finbot import app as services
from finbot.contracts import FillPolicy, MissingDataPolicy, PriceMode

from ._batches_command import batches_app
from ._config_file import ConfigFileOption
from ._costs_command import costs as costs_command
from ._errors import errors_to_exit_codes
from ._native_options import (
    AccountOption,
    LatencyOption,
    LiquidityOption,
    ProbFillOnLimitOption,
    ProbSlippageOption,
    RiskEngineOption,
    native_from_options,
)
from ._options import (
    AccountKindOption,
    AllowOption,
    BorrowRateOption,
    CalendarOption,
    CashOption,
    CommissionFixedOption,
    CommissionMaxBpsOption,
    CommissionMaxOption,
    CommissionMinOption,
    CommissionOption,
    CommissionPerShareOption,
    CommissionPresetOption,
    DataOption,
    EndOption,
    FundingRateOption,
    ImpactWindowOption,
    ImpactYOption,
    InitialMarginOption,
    JsonOption,
    MissingDataOption,
    NameOption,
    OutputOption,
    ParamOption,
    PngOption,
    PricesOption,
    RegistryOption,
    ReportOption,
    SlippageOption,
    SpreadOption,
    StartOption,
    StrategyOption,
    TagOption,
    TimezoneOption,
    VerboseOption,
    VolumeImpactOption,
    VolumeLimitOption,
    config_from_options,
    run_tags,
    stdout_guard,
)
from ._paper_command import paper_app
from ._parity_command import parity
from ._pilot_command import pilot_app
from ._progress import step_progress
from ._regimes_command import regimes
from ._render import print_summary, summary_payload
from ._report_command import report as report_command
from ._runs_commands import runs_app
from ._sweep_command import batch, sweep
from ._version import version_text
from ._walkforward_command import walkforward

app = typer.Typer(
    name="finbot",
    help="Backtest trading strategies on Backtrader or NautilusTrader with one strategy API.",
    no_args_is_help=True,
    # `finbot --install-completion` / `--show-completion` for bash, zsh, fish and PowerShell.
    add_completion=True,
    # Our own handler prints errors; typer's rich tracebacks would dump locals instead.
    pretty_exceptions_enable=False,
)


app.add_typer(runs_app, name="runs")
app.command("parity")(parity)
app.add_typer(paper_app, name="paper")
app.command("report")(report_command)
app.command("sweep")(sweep)
app.command("batch")(batch)
app.add_typer(batches_app, name="batches")
app.command("walkforward")(walkforward)
app.command("regimes")(regimes)
app.command("costs")(costs_command)
app.add_typer(pilot_app, name="pilot")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the versions of finbot's packages and exit.",
        ),
    ] = False,
) -> None:
    """Backtest trading strategies on Backtrader or NautilusTrader with one strategy API."""


@app.command()
def backtest(
    config_file: ConfigFileOption = None,
    strategy: StrategyOption = None,
    data: DataOption = None,
    start: StartOption = None,
    end: EndOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.0,
    commission_per_share: CommissionPerShareOption = 0.0,
    commission_preset: CommissionPresetOption = None,
    commission_fixed: CommissionFixedOption = None,
    commission_min: CommissionMinOption = None,
    commission_max: CommissionMaxOption = None,
    commission_max_bps: CommissionMaxBpsOption = None,
    account_kind: AccountKindOption = None,
    initial_margin: InitialMarginOption = None,
    borrow_rate: BorrowRateOption = None,
    funding_rate: FundingRateOption = None,
    slippage_bps: SlippageOption = 0.0,
    spread_bps: SpreadOption = 0.0,
    volume_limit: VolumeLimitOption = None,
    volume_impact: VolumeImpactOption = 0.0,
    impact_y: ImpactYOption = 0.0,
    impact_window: ImpactWindowOption = None,
    fill_policy: Annotated[
        FillPolicy,
        typer.Option(
            case_sensitive=False,
            help="When a market order fills: next bar's open, or this bar's close.",
        ),
    ] = FillPolicy.NEXT_OPEN,
    param: ParamOption = None,
    calendar: CalendarOption = None,
    timezone: TimezoneOption = None,
    allow: AllowOption = None,
    missing_data: MissingDataOption = MissingDataPolicy.RAISE,
    prices: PricesOption = PriceMode.TOTAL_RETURN,
    engine: Annotated[
        str | None,
        typer.Option(
            help=f"Engine: {', '.join(services.engine_names())} "
            f"(default {services.DEFAULT_ENGINE})."
        ),
    ] = None,
    nautilus_mode: Annotated[
        str | None,
        typer.Option(
            help="With --engine nautilus: replica (fills by finbot's rules, exact parity) or "
            "native (Nautilus's own matching, fill, latency and risk models decide fills).",
        ),
    ] = None,
    latency_ms: LatencyOption = None,
    prob_fill_on_limit: ProbFillOnLimitOption = None,
    prob_slippage: ProbSlippageOption = None,
    account: AccountOption = None,
    liquidity: LiquidityOption = None,
    risk_engine: RiskEngineOption = None,
    output: OutputOption = None,
    report: ReportOption = None,
    png: PngOption = None,
    tag: TagOption = None,
    name: NameOption = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    registry: RegistryOption = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the run in the registry.")
    ] = True,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="Stop the run after this many seconds (exit 1; recorded as failed).",
        ),
    ] = None,
) -> None:
    """Run one backtest and print its summary (default: golden strategy 1 on the embedded data)."""
    with errors_to_exit_codes(verbose):
        config = config_from_options(
            strategy=strategy,
            data=data,
            start=start,
            end=end,
            cash=cash,
            commission=commission,
            commission_per_share=commission_per_share,
            commission_preset=commission_preset,
            commission_fixed=commission_fixed,
            commission_min=commission_min,
            commission_max=commission_max,
            commission_max_bps=commission_max_bps,
            account=account_kind,
            initial_margin=initial_margin,
            borrow_rate=borrow_rate,
            funding_rate=funding_rate,
            slippage_bps=slippage_bps,
            spread_bps=spread_bps,
            volume_limit=volume_limit,
            volume_impact=volume_impact,
            impact_y=impact_y,
            impact_window=impact_window,
            param=param,
            calendar=calendar,
            timezone=timezone,
            allow=allow,
            missing_data=missing_data,
            prices=prices,
            fill_policy=fill_policy,
            engine=services.engine_for_mode(engine, nautilus_mode),
            native=native_from_options(
                latency_ms=latency_ms,
                prob_fill_on_limit=prob_fill_on_limit,
                prob_slippage=prob_slippage,
                account=account,
                liquidity=liquidity,
                risk_engine=risk_engine,
            ),
        )
        services.check_output_dir(output)
        services.check_report_path(report)
        tags = run_tags(tag, name)
        began = time.perf_counter()
        started = datetime.now(UTC)
        quiet = stdout_guard(as_json)
        # run_backtest's steps, kept apart so the recorder gets the data the engine saw; input
        # errors come before the registry opens, a registry that cannot record before the run.
        with quiet:
            services.check_engine(config.engine)
            prepared = services.prepare_run(config)
        with services.run_recorder(registry, record) as recorder:
            # The `running` record is written first, so a killed or hung run stays visible.
            with quiet, recorder.running(
                prepared, started=started, timeout_seconds=timeout, tags=tags
            ) as rid:
                label = f"{config.strategy.id} on {config.engine}"
                total = services.step_count(prepared.data)
                with step_progress(total, label, as_json=as_json) as progress:
                    result = services.run_prepared(
                        prepared, verbose=verbose, timeout_seconds=timeout, on_step=progress
                    )
            elapsed = time.perf_counter() - began
            run_id = recorder.finished(result, prepared, started=started, run_id=rid)
        files = [str(p) for p in services.write_result(result, output).values()] if output else None
        if report is not None:
            written = services.report_result(
                result, report, market=prepared.data, run_id=run_id, png_dir=png
            )
            files = [*(files or []), *(str(p) for p in written)]
        if as_json:
            payload = summary_payload(result, output_files=files, run_id=run_id)
            typer.echo(json.dumps(payload, indent=2))
        else:
            print_summary(Console(), result, output_files=files)
        if run_id is not None:
            typer.echo(f"recorded run {run_id}", err=as_json)
        if verbose:
            Console(stderr=True).print(f"run took {elapsed:.2f} s", highlight=False)


def main() -> None:
    """Entry point of the ``finbot`` console script."""
    app(prog_name="finbot")
