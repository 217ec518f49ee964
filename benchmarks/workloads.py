"""The benchmark's inputs: golden strategy 1's parameters, the run config, and the two bar sets."""

from __future__ import annotations

from dataclasses import dataclass

from finbot.contracts import (
    CostModel,
    DatasetRef,
    FillPolicy,
    MarketData,
    RunConfig,
    StrategySpec,
)
from finbot.data import synthetic_daily, synthetic_intraday
from finbot.strategies import SmaCrossoverParams

STRATEGY_ID = "sma_crossover"
PARAMS = SmaCrossoverParams()  # fast 10, slow 30, target 0.95: the golden defaults
CASH = 100_000.0
COMMISSION_BPS = 10.0  # cent rounding (the contract default): both engines charge whole cents
FILL_POLICY = FillPolicy.NEXT_OPEN

FULL_BARS = {"daily": 25_200, "intraday": 250_000}
QUICK_BARS = {"daily": 5_000, "intraday": 25_000}


@dataclass(frozen=True)
class Workload:
    """One bar set and the config every variant runs it under."""

    name: str
    data: MarketData
    config: RunConfig

    @property
    def instrument_id(self) -> str:
        return self.data.instrument_ids[0]

    @property
    def bars(self) -> int:
        return len(self.data.bars(self.instrument_id))


def make_config(data: MarketData, engine: str) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id=STRATEGY_ID, params=PARAMS.model_dump()),
        dataset=DatasetRef(name=data.name),
        starting_cash=CASH,
        cost_model=CostModel(commission_bps=COMMISSION_BPS),
        fill_policy=FILL_POLICY,
        engine=engine,
    )


def make_data(name: str, n_bars: int) -> MarketData:
    if name == "daily":
        return synthetic_daily(n_bars=n_bars)
    if name == "intraday":
        return synthetic_intraday(n_bars=n_bars)
    raise ValueError(f"unknown workload {name!r}; choose daily or intraday")


def make_workload(name: str, n_bars: int) -> Workload:
    data = make_data(name, n_bars)
    return Workload(name=name, data=data, config=make_config(data, "backtrader"))
