"""The adapter fails loudly: strategy errors surface; Nautilus disagreeing is an EngineRunError."""

from __future__ import annotations

import pytest
from nautilus_cases import FIVE, Scripted, config, daily, market
from nautilus_trader.model.objects import Money

from finbot.contracts import EngineRunError, _sim_broker
from finbot.contracts.engine import BarFill
from finbot.engine_nautilus import NautilusEngine, _fees

ONE = market(AAA=(FIVE, daily(5)))


def test_a_strategy_error_propagates_unchanged():
    def boom(ctx):
        raise ZeroDivisionError("boom in strategy")

    with pytest.raises(ZeroDivisionError, match="boom in strategy"):
        NautilusEngine().run(config(), Scripted({2: [boom]}), ONE)
    # and the next run in the same process is unaffected
    result = NautilusEngine().run(config(), Scripted({0: [lambda ctx: ctx.buy("AAA", 10)]}), ONE)
    assert len(result.fills) == 1


def test_a_fill_nautilus_does_not_execute_fails_the_run(monkeypatch):
    # Pretend the rules fill a buy limit at 90 on bar 2 (low 100): Nautilus cannot, and says so.
    monkeypatch.setattr(
        _sim_broker, "bar_fill", lambda request, bar, triggered: BarFill(90.0, False)
    )
    script = {1: [lambda ctx: ctx.buy("AAA", 10, limit_price=90.0)]}
    with pytest.raises(EngineRunError, match="nautilus filled 0"):
        NautilusEngine().run(config(), Scripted(script), ONE)


def test_a_forced_stop_of_nautilus_fails_the_run(monkeypatch):
    # Nautilus charging far more than the contract drives its cash account negative: Nautilus
    # stops the backtest quietly and the adapter must notice.
    monkeypatch.setattr(
        _fees.CostModelFee,
        "get_commission",
        lambda self, order, qty, px, instrument: Money(50_000, instrument.quote_currency),
    )
    script = {0: [lambda ctx: ctx.buy("AAA", 900)]}
    with pytest.raises(EngineRunError, match="nautilus stopped after 1 of 5 steps"):
        NautilusEngine().run(config(), Scripted(script), ONE)
