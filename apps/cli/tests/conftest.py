"""Fixtures that point the CLI's composition root at the fakes in ``finbot_cli_fakes``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib does not put test folders on sys.path; the fakes module needs it.
sys.path.insert(0, str(Path(__file__).parent))

from finbot_cli_fakes import (
    BuyAndHold,
    FakeEngine,
    FakeWiring,
    make_market_data,
)

from finbot.cli import _wiring
from finbot.contracts import DatasetRef, MarketData


@pytest.fixture
def fake_wiring(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWiring]:
    """Point the composition root at the fakes: engine 'fake', dataset 'fake', BuyAndHold."""
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
    yield FakeWiring(engine=engine, data=data, loaded=loaded)


@pytest.fixture(autouse=True)
def isolated_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the CLI records go to a throwaway registry, never the checkout's ./.finbot."""
    monkeypatch.setenv("FINBOT_REGISTRY", str(tmp_path / "registry"))
