"""The options ``finbot backtest`` and ``finbot parity`` share, and the run config built from them.

Each option is declared once as an ``Annotated`` alias; a command uses it as a parameter type
(``strategy: StrategyOption = None``), so both commands spell and document it the same way.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from finbot.app import make_config
from finbot.contracts import (
    ConfigError,
    DataCheck,
    FillPolicy,
    MissingDataPolicy,
    NativeExecution,
    PriceMode,
    RunConfig,
)

from ._params import parse_params

StrategyOption = Annotated[
    str | None,
    typer.Option(
        "--strategy",
        "-s",
        help="Golden strategy name (default: sma_crossover), path/to/file.py:ClassName, "
        "or package.module:ClassName.",
    ),
]
DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        "-d",
        help="CSV or Parquet bar file; repeat for several instruments. "
        "Default: the embedded golden dataset.",
    ),
]
StartOption = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="First session included (YYYY-MM-DD, UTC)."),
]
EndOption = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Last session included (YYYY-MM-DD, UTC)."),
]
CashOption = Annotated[float, typer.Option(help="Starting cash.")]
CommissionOption = Annotated[
    float, typer.Option(help="Commission in basis points of notional (10 = 0.1%).")
]
CommissionPerShareOption = Annotated[
    float, typer.Option(help="Commission in currency per share/unit.")
]
AccountKindOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        help="cash (default: no shorts, no borrowing) or margin (shorts and borrowing up to "
        "--initial-margin).",
    ),
]
InitialMarginOption = Annotated[
    float | None,
    typer.Option(
        help="Margin account: fraction of gross exposure equity must cover after a fill that "
        "opens a position (default 0.5, Reg T).",
    ),
]
BorrowRateOption = Annotated[
    float | None,
    typer.Option(help="Margin account: annual borrow fee on shorts' market value (0.03 = 3%)."),
]
FundingRateOption = Annotated[
    float | None,
    typer.Option(help="Margin account: annual interest on negative cash (0.06 = 6%)."),
]
CommissionPresetOption = Annotated[
    str | None,
    typer.Option(
        help="A named commission schedule as the base (ib_fixed: 0.005/share, min 1, max 1% of "
        "trade value); the other commission options given override its parts.",
    ),
]
CommissionFixedOption = Annotated[
    float | None, typer.Option(help="Fixed commission per fill, in currency.")
]
CommissionMinOption = Annotated[
    float | None, typer.Option(help="Minimum commission per charged fill, in currency.")
]
CommissionMaxOption = Annotated[
    float | None, typer.Option(help="Maximum commission per fill, in currency.")
]
CommissionMaxBpsOption = Annotated[
    float | None,
    typer.Option(help="Maximum commission per fill, in basis points of notional (100 = 1%)."),
]
SlippageOption = Annotated[
    float, typer.Option(help="Slippage in basis points of price on market/stop fills.")
]
SpreadOption = Annotated[
    float,
    typer.Option(
        help="Quoted bid-ask spread in basis points of price; market/stop fills pay half of it."
    ),
]
VolumeLimitOption = Annotated[
    float | None,
    typer.Option(help="Most of a bar's volume one fill may take (0-1, e.g. 0.025); rest waits."),
]
VolumeImpactOption = Annotated[
    float,
    typer.Option(help="Volume-share slippage: fraction of price per (fill/bar volume)^2 (0.1)."),
]
ImpactYOption = Annotated[
    float,
    typer.Option(help="Square-root market impact Y in Y*sigma*sqrt(q/ADV) (e.g. 1.0)."),
]
ImpactWindowOption = Annotated[
    int | None,
    typer.Option(help="Bars before a fill that sigma and ADV are measured over (default 20)."),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="Strategy parameter key=value (repeatable); the value is read as JSON "
        "when it parses (10, 0.5, true, [1,2]), else as text.",
    ),
]
CalendarOption = Annotated[
    str | None,
    typer.Option(
        help="Exchange calendar the data is checked against (an exchange-calendars code: XNYS, "
        "XLON, XEUR, 24/5, ...). Default: the dataset's own, else XNYS.",
    ),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        help="IANA zone of the data files' naive intraday timestamps (e.g. America/New_York; "
        "default UTC). Stamps with a UTC offset and daily dates are not affected.",
    ),
]
AllowOption = Annotated[
    list[DataCheck] | None,
    typer.Option(
        "--allow",
        case_sensitive=False,
        help="Override a plausibility check for data known to be right (repeatable): "
        "future-dates, split-jumps, outliers, off-session.",
    ),
]
MissingDataOption = Annotated[
    MissingDataPolicy,
    typer.Option(
        case_sensitive=False,
        help="Sessions an instrument has no bar for: raise (list them), ffill (carry the last "
        "close, volume 0, never filled) or drop (remove those sessions from every instrument).",
    ),
]
PricesOption = Annotated[
    PriceMode,
    typer.Option(
        "--prices",
        case_sensitive=False,
        help="Prices traded: raw (splits and dividends applied to positions and cash), "
        "split-adjusted (dividends paid in cash), total-return (all folded into the prices; "
        "Yahoo files: Adj Close) or backtrader-yahoo (as Backtrader's Yahoo feed: Adj Close "
        "rounded to cents).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Directory to write each result to (JSON + Parquet); parity adds parity.json.",
    ),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Also write an HTML report to this file (self-contained: opens without a network).",
    ),
]
PngOption = Annotated[
    Path | None,
    typer.Option(
        "--png",
        help="Also save each chart of the report as DIR/NAME.png (needs Chromium installed).",
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", help="Tag the recorded run (repeatable); `runs list --tag` finds it."
    ),
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Name the recorded run (stored as the tag name:NAME)."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable JSON document on stdout only.")
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show tracebacks, engine logs and run times.")
]
RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        envvar="FINBOT_REGISTRY",
        help="Registry directory, sqlite:///file or postgresql:// URL (default ./.finbot).",
    ),
]


def config_from_options(
    *,
    strategy: str | None,
    data: list[Path] | None,
    start: datetime | None,
    end: datetime | None,
    cash: float,
    commission: float,
    commission_per_share: float,
    slippage_bps: float,
    param: list[str] | None,
    fill_policy: FillPolicy,
    engine: str | None,
    calendar: str | None = None,
    allow: list[DataCheck] | None = None,
    missing_data: MissingDataPolicy = MissingDataPolicy.RAISE,
    commission_preset: str | None = None,
    commission_fixed: float | None = None,
    commission_min: float | None = None,
    commission_max: float | None = None,
    commission_max_bps: float | None = None,
    timezone: str | None = None,
    spread_bps: float = 0.0,
    volume_limit: float | None = None,
    volume_impact: float = 0.0,
    impact_y: float = 0.0,
    impact_window: int | None = None,
    native: NativeExecution | None = None,
    prices: PriceMode = PriceMode.TOTAL_RETURN,
    account: str | None = None,
    initial_margin: float | None = None,
    borrow_rate: float | None = None,
    funding_rate: float | None = None,
) -> RunConfig:
    """The ``RunConfig`` the shared options describe (``--param`` parsed, dates as UTC dates).

    Raises:
        ConfigError: A ``--param`` is malformed or a value is invalid; the message names it.
    """
    return make_config(
        strategy=strategy,
        params=parse_params(param or ()),
        data=tuple(data or ()),
        start=start.date() if start else None,
        end=end.date() if end else None,
        cash=cash,
        commission_bps=commission,
        commission_per_share=commission_per_share,
        slippage_bps=slippage_bps,
        fill_policy=fill_policy,
        engine=engine,
        calendar=calendar,
        allow=tuple(allow or ()),
        missing_data=missing_data,
        commission_preset=commission_preset,
        commission_fixed=commission_fixed,
        commission_minimum=commission_min,
        commission_maximum=commission_max,
        commission_maximum_bps=commission_max_bps,
        timezone=timezone,
        spread_bps=spread_bps,
        volume_limit=volume_limit,
        volume_impact=volume_impact,
        impact_y=impact_y,
        impact_window=impact_window,
        native=native,
        prices=prices,
        account=account,
        initial_margin=initial_margin,
        borrow_rate=borrow_rate,
        funding_rate=funding_rate,
    )


def stdout_guard(as_json: bool) -> contextlib.AbstractContextManager[object]:
    """In ``--json`` mode stdout carries the JSON document only: send engine chatter to stderr."""
    return contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()


NAME_TAG_PREFIX = "name:"


def run_tags(tags: list[str] | None, name: str | None) -> tuple[str, ...]:
    """The registry tags of ``--tag`` values and ``--name`` (as ``name:NAME``), in order.

    Raises:
        ConfigError: A tag or the name is blank.
    """
    out = [t.strip() for t in tags or ()]
    if name is not None:
        out.append(NAME_TAG_PREFIX + name.strip())
    if any(not t or t == NAME_TAG_PREFIX for t in out):
        raise ConfigError("--tag and --name need a non-blank value")
    return tuple(out)
