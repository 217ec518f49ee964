"""``finbot parity``: run one config on several engines and report whether they agree.

The use case is ``finbot.app.compare_engines``, the presentation ``_parity_render``; this module
is the command.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from finbot.app import (
    REPORT_FILE,
    TOLERANCES,
    PreparedRun,
    RunRecorder,
    check_output_dir,
    check_report_path,
    compare_engines,
    default_engines,
    load_data,
    parity_payload,
    parse_engines,
    prepare_run,
    report_parity,
    run_recorder,
    step_count,
    write_results,
)
from finbot.contracts import BacktestResult, ConfigError, FillPolicy, MissingDataPolicy, PriceMode

from ._config_file import ConfigFileOption
from ._errors import EXIT_PARITY_BREACHED, errors_to_exit_codes
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
from ._parity_render import print_parity
from ._progress import ChainedSteps, step_progress


class ParityFillPolicy(StrEnum):
    """A fill policy to check, or both of them."""

    NEXT_OPEN = "next_open"
    THIS_CLOSE = "this_close"
    BOTH = "both"

    def policies(self) -> tuple[FillPolicy, ...]:
        """The contract fill policies this choice covers."""
        if self is ParityFillPolicy.BOTH:
            return (FillPolicy.NEXT_OPEN, FillPolicy.THIS_CLOSE)
        return (FillPolicy(self.value),)


def parity(
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
        ParityFillPolicy,
        typer.Option(
            case_sensitive=False,
            help="When a market order fills: next bar's open, this bar's close, or both "
            "(one comparison per policy).",
        ),
    ] = ParityFillPolicy.NEXT_OPEN,
    param: ParamOption = None,
    calendar: CalendarOption = None,
    timezone: TimezoneOption = None,
    allow: AllowOption = None,
    missing_data: MissingDataOption = MissingDataPolicy.RAISE,
    prices: PricesOption = PriceMode.TOTAL_RETURN,
    engines: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated engines, the baseline first "
            f"(default: {','.join(default_engines())})."
        ),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option(
            help="exact (the CI gate: bit-identical) or spec (the ceiling in "
            "docs/parity-tolerance-spec.md)."
        ),
    ] = "exact",
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
        bool,
        typer.Option(
            "--record/--no-record",
            help="Record each engine's run in the registry, as `finbot backtest` does.",
        ),
    ] = True,
) -> None:
    """Run one config on several engines and report whether they agree (exit 1 if they do not)."""
    with errors_to_exit_codes(verbose):
        if tolerance not in TOLERANCES:
            raise ConfigError(
                f"unknown --tolerance '{tolerance}'; choose one of {', '.join(TOLERANCES)}"
            )
        names = parse_engines(engines)
        base = config_from_options(
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
            fill_policy=FillPolicy.NEXT_OPEN,
            engine=names[0],
        )
        # For the native engine among --engines only (ADR 0025); the others run without them.
        native = native_from_options(
            latency_ms=latency_ms,
            prob_fill_on_limit=prob_fill_on_limit,
            prob_slippage=prob_slippage,
            account=account,
            liquidity=liquidity,
            risk_engine=risk_engine,
        )
        check_output_dir(output)
        check_report_path(report)
        tags = run_tags(tag, name)
        err = Console(stderr=True)
        quiet = stdout_guard(as_json)
        with quiet:
            market = load_data(base.dataset)
            prepared_runs = [
                prepare_run(base.model_copy(update={"fill_policy": policy}), data=market)
                for policy in fill_policy.policies()
            ]
        # One bar over every engine run (engines x fill policies), shown after a second.
        steps = step_count(prepared_runs[0].data)
        label = f"parity {'/'.join(names)}"
        # Opened once, before the first run: a registry that cannot record fails before any run.
        with run_recorder(registry, record) as recorder, quiet, step_progress(
            steps * len(names) * len(prepared_runs), label, as_json=as_json
        ) as bar:
            on_step = ChainedSteps(bar, steps) if bar is not None else None
            runs = []
            for prepared in prepared_runs:
                recording = _Recording(prepared, recorder, verbose, err, tags)
                runs.append(
                    compare_engines(
                        prepared,
                        names,
                        tolerance=TOLERANCES[tolerance],
                        verbose=verbose,
                        on_result=recording.on_result,
                        around_run=recording.around_run,
                        on_step=on_step,
                        native=native,
                    )
                )
        files = None
        if output:
            report_path = output / REPORT_FILE
            files = [str(report_path), *write_results(runs, output)]
        if report is not None:
            pages = report_parity(runs, tolerance, report, png_dir=png)
            files = [*(files or []), *(str(p) for p in pages)]
        payload = parity_payload(runs, tolerance, output_files=files)
        if output:
            report_path.write_text(json.dumps(payload, indent=2) + "\n")
        if as_json:
            typer.echo(json.dumps(payload, indent=2))
        else:
            # Piped or captured output is 80 columns by default, too narrow for two full values.
            console = Console() if sys.stdout.isatty() else Console(width=120)
            print_parity(console, runs, tolerance)
            if files:
                console.print("Wrote: " + escape(", ".join(files)))
        if not payload["ok"]:
            breached = sum(not r.ok for run in runs for r in run.reports)
            err.print(
                f"[bold red]error:[/] parity breached: {breached} comparison(s) outside the "
                f"'{tolerance}' tolerance",
                highlight=False,
            )
            raise typer.Exit(EXIT_PARITY_BREACHED)


class _Recording:
    """Records each engine run of one prepared run (``--record``) as ``finbot backtest`` does.

    ``running`` before the engine starts (a killed run stays visible), then finished or failed.
    """

    def __init__(
        self, prepared: PreparedRun, recorder: RunRecorder, verbose: bool, err: Console,
        tags: tuple[str, ...],
    ) -> None:
        self.prepared, self.recorder, self.verbose, self.err, self.tags = (
            prepared, recorder, verbose, err, tags
        )
        self.run_id: str | None = None
        self.started = datetime.now(UTC)

    @contextlib.contextmanager
    def around_run(self, engine_run: PreparedRun) -> Iterator[None]:
        self.started = datetime.now(UTC)
        with self.recorder.running(engine_run, started=self.started, tags=self.tags) as run_id:
            self.run_id = run_id
            yield

    def on_result(self, name: str, result: BacktestResult, seconds: float) -> None:
        run_id = self.recorder.finished(
            result, self.prepared, started=self.started, run_id=self.run_id
        )
        if run_id is not None:
            self.err.print(f"recorded {name} run {run_id}", highlight=False)
        if self.verbose:
            policy = result.config.fill_policy.value
            self.err.print(f"{name} ({policy}) took {seconds:.2f} s", highlight=False)
