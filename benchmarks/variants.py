"""The timed variants: golden strategy 1 through each finbot adapter, and natively per engine.

Every variant is a zero-argument callable that does one complete run from in-memory columns to a
finished result and returns what it did (fill count, final equity) so the runner can check that the
adapter and the native path traded the same. Imports of an engine happen when a variant is built,
never inside the timed call.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from workloads import CASH, COMMISSION_BPS, FILL_POLICY, PARAMS, Workload

from finbot.contracts import FillPolicy
from finbot.strategies import SmaCrossover


@dataclass(frozen=True)
class Outcome:
    """What one run did."""

    fills: int
    final_equity: float


Run = Callable[[], Outcome]

ENGINES = ("backtrader", "nautilus", "nautilus-native")
_ADAPTER_MODULES = {
    "backtrader": "finbot.engine_backtrader",
    "nautilus": "finbot.engine_nautilus",
    "nautilus-native": "finbot.engine_nautilus",
}


def available(engine: str) -> str | None:
    """None when both of an engine's variants can run here, else why not."""
    module = _ADAPTER_MODULES[engine]
    if importlib.util.find_spec(module) is None:
        return f"{module} is not installed in this environment"
    return None


def adapter(engine: str, workload: Workload) -> Run:
    """``<Engine>Engine().run(config, SmaCrossover(params), data)``: the path users take."""
    config = workload.config.model_copy(update={"engine": engine})
    data = workload.data
    if engine == "backtrader":
        from finbot.engine_backtrader import BacktraderEngine

        make_engine: Callable[[], object] = BacktraderEngine
    elif engine == "nautilus":
        from finbot.engine_nautilus import NautilusEngine

        make_engine = NautilusEngine
    else:
        # Nautilus decides the fills (at the signal bar's close, bar volume as liquidity).
        from finbot.contracts import NativeExecution
        from finbot.engine_nautilus import NautilusNativeEngine

        config = config.model_copy(update={"native": NativeExecution()})
        make_engine = NautilusNativeEngine

    def run() -> Outcome:
        result = make_engine().run(config, SmaCrossover(PARAMS), data)  # type: ignore[attr-defined]
        return Outcome(fills=len(result.fills), final_equity=result.metrics.final_equity)

    return run


def native(engine: str, workload: Workload) -> Run:
    """The same strategy written directly against the engine, on the same columns."""
    series = workload.data.bars(workload.instrument_id)
    ts_ns = series.ts_ns
    columns = (series.open, series.high, series.low, series.close, series.volume)
    this_close = FILL_POLICY is FillPolicy.THIS_CLOSE
    if engine == "backtrader":
        import native_backtrader

        def run_bt() -> Outcome:
            out = native_backtrader.run(
                ts_ns,
                columns,
                cash=CASH,
                commission_bps=COMMISSION_BPS,
                this_close=this_close,
                fast=PARAMS.fast,
                slow=PARAMS.slow,
                target_fraction=PARAMS.target_fraction,
            )
            return Outcome(fills=out.fills, final_equity=out.final_equity)

        return run_bt

    import native_nautilus
    import replica_nautilus

    # A native user knows the precision of their prices; the adapter has to discover it by
    # scanning every price, which is part of its overhead. So the scan happens here, untimed.
    precision = native_nautilus.exact_precision(columns[:4])

    if engine == "nautilus-native":
        # Written as a Nautilus user would (native_nautilus.py); trades as native mode does.
        def run_native() -> Outcome:
            out = native_nautilus.run(
                workload.instrument_id,
                ts_ns,
                columns,
                cash=CASH,
                commission_bps=COMMISSION_BPS,
                price_precision=precision,
                fast=PARAMS.fast,
                slow=PARAMS.slow,
                target_fraction=PARAMS.target_fraction,
            )
            return Outcome(fills=len(out.fills), final_equity=out.final_equity)

        return run_native

    def run_nt() -> Outcome:
        out = replica_nautilus.run(
            workload.instrument_id,
            ts_ns,
            columns,
            cash=CASH,
            commission_bps=COMMISSION_BPS,
            this_close=this_close,
            fast=PARAMS.fast,
            slow=PARAMS.slow,
            target_fraction=PARAMS.target_fraction,
            price_precision=precision,
        )
        return Outcome(fills=out.fills, final_equity=out.final_equity)

    return run_nt
