"""``finbot paper``: run a strategy as a paper session; ``resume``, ``kill`` and ``reset`` it.

The use cases are ``finbot.app.start_paper`` and friends; this module parses and renders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from finbot import app as services
from finbot.contracts import FillPolicy

from ._errors import EXIT_INTERRUPTED, errors_to_exit_codes
from ._options import (
    CashOption,
    CommissionOption,
    CommissionPerShareOption,
    DataOption,
    EndOption,
    ParamOption,
    SlippageOption,
    StartOption,
    StrategyOption,
    VerboseOption,
    config_from_options,
)
from ._paper_render import EventPrinter
from ._render import print_summary

if TYPE_CHECKING:
    from finbot.paper_broker import SessionOutcome

paper_app = typer.Typer(
    name="paper",
    help="Paper trading: replay bars as a live session with risk controls and a kill switch.",
    add_completion=False,
    pretty_exceptions_enable=False,
)

SessionOption = Annotated[
    Path | None,
    typer.Option(
        "--session",
        help="Session directory (journal, checkpoint, result). "
        "Default for a new session: .finbot/paper/<UTC time>.",
    ),
]
SpeedOption = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        help="Pace the replay: session time per wall time (86400 = a day a second). "
        "Default: as fast as possible.",
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print the summary only, not each event.")
]
Limit = Annotated[float | None, typer.Option(min=0.0)]


def _directory(session: Path | None) -> Path:
    if session is not None:
        return session
    return Path(".finbot") / "paper" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _report(outcome: SessionOutcome, directory: Path, console: Console) -> None:
    if outcome.result is not None:
        console.print()
        print_summary(console, outcome.result)
        console.print(f"Session: {escape(str(directory))} (result in {services.RESULT_DIR}/)")
        return
    console.print(f"[bold yellow]stopped:[/] {escape(outcome.stopped or '')}", highlight=False)
    console.print(
        f"resume with: finbot paper resume --session {escape(str(directory))}", highlight=False
    )
    if outcome.stopped and outcome.stopped.startswith("interrupted"):
        raise typer.Exit(EXIT_INTERRUPTED)


@paper_app.callback(invoke_without_command=True)
def paper(
    ctx: typer.Context,
    strategy: StrategyOption = None,
    data: DataOption = None,
    start: StartOption = None,
    end: EndOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.0,
    commission_per_share: CommissionPerShareOption = 0.0,
    slippage_bps: SlippageOption = 0.0,
    fill_policy: Annotated[
        FillPolicy, typer.Option(case_sensitive=False, help="When a market order fills.")
    ] = FillPolicy.NEXT_OPEN,
    param: ParamOption = None,
    session: SessionOption = None,
    speed: SpeedOption = None,
    partial_fills: Annotated[
        bool, typer.Option(help="Cap each fill at --volume-share of the bar's volume.")
    ] = False,
    volume_share: Annotated[
        float, typer.Option(help="Share of a bar's volume one order may take (0-1].")
    ] = 0.1,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="Feed the data as a stream that never knows its last bar, as a live source.",
        ),
    ] = False,
    checkpoint_every: Annotated[
        int, typer.Option(help="Checkpoint after this many journaled events.")
    ] = 100,
    risk: Annotated[
        Path | None,
        typer.Option(help="JSON or TOML file of risk limits (per-instrument limits too)."),
    ] = None,
    max_position_units: Limit = None,
    max_position_notional: Limit = None,
    max_gross_exposure: Limit = None,
    max_net_exposure: Limit = None,
    max_order_notional: Limit = None,
    max_orders_per_window: Annotated[int | None, typer.Option(min=1)] = None,
    rate_window_seconds: Limit = None,
    drawdown_stop_pct: Limit = None,
    flatten_on_drawdown: Annotated[
        bool | None, typer.Option("--flatten-on-drawdown/--no-flatten-on-drawdown")
    ] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Replay bars through a strategy as a paper session, printing orders and fills live."""
    if ctx.invoked_subcommand is not None:
        return
    with errors_to_exit_codes(verbose):
        config = config_from_options(
            strategy=strategy,
            data=data,
            start=start,
            end=end,
            cash=cash,
            commission=commission,
            commission_per_share=commission_per_share,
            slippage_bps=slippage_bps,
            param=param,
            fill_policy=fill_policy,
            engine="paper",
        )
        settings = services.make_paper_settings(
            risk_file=risk,
            risk={
                "max_position_units": max_position_units,
                "max_position_notional": max_position_notional,
                "max_gross_exposure": max_gross_exposure,
                "max_net_exposure": max_net_exposure,
                "max_order_notional": max_order_notional,
                "max_orders_per_window": max_orders_per_window,
                "rate_window_seconds": rate_window_seconds,
                "drawdown_stop_pct": drawdown_stop_pct,
                "flatten_on_drawdown": flatten_on_drawdown,
            },
            partial_fills=partial_fills,
            volume_share=volume_share,
            checkpoint_every=checkpoint_every,
            streamed=stream,
        )
        directory = _directory(session)
        console = Console()
        console.print(f"paper session in {escape(str(directory))}", highlight=False)
        outcome = services.start_paper(
            config,
            settings,
            directory,
            listener=None if quiet else EventPrinter(console),
            speed=speed or None,
            handle_signals=True,
        )
        _report(outcome, directory, console)


@paper_app.command()
def resume(
    session: Annotated[Path, typer.Option("--session", help="The session directory.")],
    speed: SpeedOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Resume a stopped or killed paper session from its last checkpoint."""
    with errors_to_exit_codes(verbose):
        console = Console()
        outcome = services.resume_paper(
            session,
            listener=None if quiet else EventPrinter(console),
            speed=speed or None,
            handle_signals=True,
        )
        _report(outcome, session, console)


@paper_app.command()
def kill(
    session: Annotated[Path, typer.Option("--session", help="The session directory.")],
) -> None:
    """Trip the kill switch: cancel working orders, flatten, refuse orders until reset."""
    with errors_to_exit_codes():
        flag = services.kill_paper(session)
        typer.echo(f"kill switch requested ({flag}); it stays tripped until `finbot paper reset`")


@paper_app.command()
def reset(
    session: Annotated[Path, typer.Option("--session", help="The session directory.")],
) -> None:
    """Reset a tripped kill switch or drawdown halt (the session applies it on its next bar)."""
    with errors_to_exit_codes():
        request = services.reset_paper(session)
        typer.echo(f"reset requested ({request})")
