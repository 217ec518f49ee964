"""Hand-written fakes of the ports the composition root wires: an engine, market data, a strategy.

The fake engine is the domain's simulated broker (ADR 0010) behind the engine port, so
``finbot.app`` and the CLI are tested without Backtrader installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from finbot.contracts import (
    BacktestResult,
    Bar,
    BarSeries,
    BrokerEvent,
    BrokerEventKind,
    DatasetRef,
    EngineInfo,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategyParams,
    to_ns,
)
from finbot.contracts.engine import Simulation


class BuyAndHold(Strategy):
    """Buys ``fraction`` of equity in the first instrument on the first bar and holds."""

    strategy_id = "buy_and_hold"

    class Params(StrategyParams):
        fraction: float = 0.5
        instrument: str | None = None

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        params = self.params
        assert isinstance(params, BuyAndHold.Params)
        iid = params.instrument or ctx.instrument_ids[0]
        if ctx.position(iid) == 0 and not ctx.open_orders(iid):
            ctx.order_target_percent(iid, params.fraction)


class FakeEngine:
    """The simulated broker alone (``finbot.contracts.engine.Simulation``), recording its calls.

    ``price`` maps every fill price the broker decides to the one reported (default: unchanged),
    which makes a broker that disagrees on price: cash, equity and metrics all move with it.
    """

    def __init__(
        self,
        name: str = "fake",
        *,
        version: str = "0",
        adapter: str = "conftest",
        adapter_version: str = "0",
        price: Callable[[float], float] | None = None,
    ) -> None:
        self.name = name
        self.calls: list[tuple[RunConfig, Strategy, MarketData]] = []
        self._info = EngineInfo(
            name=name, version=version, adapter=adapter, adapter_version=adapter_version
        )
        self._price = price

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        self.calls.append((config, strategy, data))
        simulation = Simulation(strategy, config, data)
        skew = self._price
        if skew is not None:
            poll = simulation.broker.poll

            def skewed(ts_ns: int, bars: Mapping[str, Bar]) -> list[BrokerEvent]:
                return [
                    replace(e, price=skew(e.price)) if e.kind is BrokerEventKind.FILLED else e
                    for e in poll(ts_ns, bars)
                ]

            simulation.broker.poll = skewed  # type: ignore[method-assign]
        return simulation.run(self._info)


def make_market_data(
    ids: tuple[str, ...] = ("AAA", "BBB"), days: int = 40, first: date = date(2020, 1, 1)
) -> MarketData:
    series = []
    for k, iid in enumerate(ids):
        stamps, opens, highs, lows, closes, volumes = [], [], [], [], [], []
        for i in range(days):
            price = 100.0 + k * 10 + i * 0.5 + (i % 3)
            stamps.append(to_ns(first + timedelta(days=i)))
            opens.append(price)
            closes.append(price + 0.25)
            highs.append(price + 1.0)
            lows.append(price - 1.0)
            volumes.append(1000.0 + i)
        series.append(BarSeries.from_columns(iid, stamps, opens, highs, lows, closes, volumes))
    return MarketData([Instrument(id=i) for i in ids], series, name="fake")


@dataclass
class FakeWiring:
    """What the ``fake_wiring`` fixture installed, for assertions."""

    engine: FakeEngine
    data: MarketData
    loaded: list[DatasetRef]


def install_fake_wiring(monkeypatch: pytest.MonkeyPatch) -> FakeWiring:
    """Point the composition root (``finbot.app._wiring``) at the fakes.

    Engine 'fake' (the default), dataset 'fake' (the default, loaded from ``make_market_data``) and
    the golden strategy ``buy_and_hold`` (the default); ``monkeypatch`` undoes it after the test.
    """
    from finbot.app import _wiring

    engine = FakeEngine()
    data = make_market_data()
    loaded: list[DatasetRef] = []

    def load(ref: DatasetRef) -> MarketData:
        loaded.append(ref)
        return data

    monkeypatch.setitem(_wiring.ENGINES, "fake", (lambda verbose: engine, "fake-dist"))
    monkeypatch.setattr(_wiring, "DEFAULT_ENGINE", "fake")
    monkeypatch.setattr(_wiring, "DEFAULT_STRATEGY", "buy_and_hold")
    monkeypatch.setattr(_wiring, "golden_strategies", lambda: {"buy_and_hold": BuyAndHold})
    monkeypatch.setattr(_wiring, "default_dataset", lambda: "fake")
    monkeypatch.setattr(_wiring, "load_market_data", load)
    return FakeWiring(engine=engine, data=data, loaded=loaded)


@pytest.fixture
def fake_wiring(monkeypatch: pytest.MonkeyPatch) -> FakeWiring:
    """Engine 'fake', dataset 'fake' and strategy BuyAndHold, all the defaults."""
    return install_fake_wiring(monkeypatch)


@pytest.fixture
def isolated_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs recorded by default go to a throwaway registry, never the checkout's ./.finbot."""
    monkeypatch.setenv("FINBOT_REGISTRY", str(tmp_path / "registry"))
