"""The native-mode options (``--latency-ms`` ...): Nautilus's own execution models (ADR 0025)."""

from __future__ import annotations

from typing import Annotated

import typer

from finbot.contracts import NativeAccount, NativeExecution, NativeLiquidity

_PANEL = "Native mode (--engine nautilus --nautilus-mode native)"

LatencyOption = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        help="Latency of every order message, ms (Nautilus LatencyModel; default 0). On bars any "
        "latency up to one bar fills a market order at the next bar's close.",
        rich_help_panel=_PANEL,
    ),
]
ProbFillOnLimitOption = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Chance a limit order fills when the market only touches its price (default 1).",
        rich_help_panel=_PANEL,
    ),
]
ProbSlippageOption = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Chance a market-type fill slips one tick (default 0; seeded by the run's seed).",
        rich_help_panel=_PANEL,
    ),
]
AccountOption = Annotated[
    NativeAccount | None,
    typer.Option(
        "--native-account",
        case_sensitive=False,
        help="Venue account: margin (default; shorts allowed at 100 % margin) or cash (no shorts).",
        rich_help_panel=_PANEL,
    ),
]
LiquidityOption = Annotated[
    NativeLiquidity | None,
    typer.Option(
        "--native-liquidity",
        case_sensitive=False,
        help="What a bar offers: bar_volume (default; a quarter of it per price, the rest one "
        "tick worse) or unlimited.",
        rich_help_panel=_PANEL,
    ),
]
RiskEngineOption = Annotated[
    bool | None,
    typer.Option(
        "--risk-engine/--no-risk-engine",
        help="Nautilus's pre-trade risk engine checks every order (default on).",
        show_default=False,
        rich_help_panel=_PANEL,
    ),
]


def native_from_options(
    *,
    latency_ms: float | None,
    prob_fill_on_limit: float | None,
    prob_slippage: float | None,
    account: NativeAccount | None,
    liquidity: NativeLiquidity | None,
    risk_engine: bool | None,
) -> NativeExecution | None:
    """The settings the options give (the rest at their defaults); None when none is given.

    ``finbot.app.make_config`` refuses them for an engine other than ``nautilus-native``.
    """
    given = {
        "latency_ms": latency_ms,
        "prob_fill_on_limit": prob_fill_on_limit,
        "prob_slippage": prob_slippage,
        "account": account,
        "liquidity": liquidity,
        "risk_engine": risk_engine,
    }
    chosen = {name: value for name, value in given.items() if value is not None}
    return NativeExecution.model_validate(chosen) if chosen else None
