"""Labels every page shares: x-axis dates and the rows describing a run's assumptions."""

from __future__ import annotations

from collections.abc import Sequence

from finbot.contracts import BacktestResult, from_ns

NANOS_PER_DAY = 86_400 * 10**9


def x_label(ts_ns: int) -> str:
    """A UTC instant as plotly reads it: the date alone at midnight, else date and time."""
    if ts_ns % NANOS_PER_DAY == 0:
        return from_ns(ts_ns).date().isoformat()
    return from_ns(ts_ns).strftime("%Y-%m-%d %H:%M:%S")


def x_labels(stamps: Sequence[int]) -> list[str]:
    """``x_label`` of each stamp."""
    return [x_label(ts) for ts in stamps]


def assumption_rows(result: BacktestResult, *, run_id: str | None = None) -> list[tuple[str, str]]:
    """Every input that decided ``result``: config, costs, engine and the hashes that pin them."""
    c = result.config
    costs = c.cost_model
    params = ", ".join(f"{k}={v}" for k, v in c.strategy.params.items()) or "(defaults)"
    engine = result.engine
    rows = [
        *([("Run id", run_id)] if run_id else []),
        ("Strategy", c.strategy.id),
        ("Parameters", params),
        ("Dataset", c.dataset.name),
        *([("Data files", ", ".join(c.dataset.paths))] if c.dataset.paths else []),
        ("Prices", "not recorded (before schema 6)" if c.dataset.prices is None
                   else c.dataset.prices.value),
        ("Data snapshot", result.data_snapshot_id),
        ("Start", str(c.start) if c.start else "start of data"),
        ("End", str(c.end) if c.end else "end of data"),
        ("Steps", str(len(result.equity_curve.ts_ns))),
        ("Starting cash", f"{c.starting_cash:,.2f} {c.currency}"),
        ("Fill policy", c.fill_policy.value),
        ("Commission", f"{costs.commission_bps:g} bps of notional + {costs.commission_per_share:g}"
                       f" per unit, minimum {costs.commission_minimum:g} per fill"),
        *([("Commission schedule", costs.describe())] if costs.has_schedule else []),
        ("Commission rounding", costs.rounding.value),
        ("Slippage", f"{costs.slippage_bps:g} bps of price on market and stop fills"),
        *([("Spread", f"{costs.spread_bps:g} bps quoted; half paid on market and stop fills")]
          if costs.spread_bps else []),
        *([("Volume cap", f"each fill at most {costs.volume_limit:g} of its bar's volume")]
          if costs.volume_limit is not None else []),
        *([("Volume-share slippage", f"{costs.volume_impact:g} x (fill / bar volume)^2 of price")]
          if costs.volume_impact else []),
        *([("Market impact", f"{costs.impact_y:g} x sigma x sqrt(q / ADV), sigma and ADV over "
                             f"the {costs.impact_window} bars before the fill")]
          if costs.impact_y else []),
        ("Engine", f"{engine.name} {engine.version} (adapter {engine.adapter} "
                   f"{engine.adapter_version})"),
        *((f"Engine {k}", v) for k, v in sorted(engine.details.items())),
        ("Seed", str(c.seed)),
        ("Config hash", c.config_hash()),
        ("Result hash", result.content_hash()),
        ("Result schema", str(result.schema_version)),
    ]
    return rows
