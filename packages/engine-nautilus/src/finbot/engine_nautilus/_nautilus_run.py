"""What both Nautilus modes build alike: the engine, starting balance, instruments and driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig, StrategyConfig
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money
from nautilus_trader.trading.strategy import Strategy as NtStrategy

from finbot.contracts import ConfigError, EngineInfo, MarketData, RunConfig

from ._translate import bar_type, currency, equity, price_precision


def new_engine(*, verbose: bool, bypass_risk: bool) -> BacktestEngine:
    """A fresh ``BacktestEngine``; Nautilus logs and analyses only when ``verbose``."""
    return BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("FINBOT-001"),
            logging=LoggingConfig(bypass_logging=not verbose, log_level="INFO"),
            # Nautilus's post-run statistics only feed its log (pandas, ~2 s per 1000 fills).
            run_analysis=verbose,
            risk_engine=RiskEngineConfig(bypass=bypass_risk),
        )
    )


def starting_balance(config: RunConfig) -> Money:
    """The run's starting cash as Nautilus money, from its printed value (no binary rounding)."""
    cur = currency(config.currency)
    return Money.from_str(f"{config.starting_cash:.{cur.precision}f} {cur.code}")


def check_currency(config: RunConfig, data: MarketData) -> None:
    """Refuse instruments quoted in another currency than the run's: one currency per run.

    Raises:
        ConfigError: An instrument's currency is not the run's.
    """
    for iid, instrument in data.instruments.items():
        if instrument.currency != config.currency:
            raise ConfigError(
                f"instrument {iid} is quoted in {instrument.currency} but the run's currency is "
                f"{config.currency}; the Nautilus adapter runs one currency per run"
            )


def add_instruments(
    engine: BacktestEngine,
    data: MarketData,
    interval: int,
    adapt: Callable[[Equity], Equity] = lambda instrument: instrument,
) -> Iterator[tuple[str, InstrumentId, Any, int]]:
    """Add each instrument of ``data`` to ``engine``; yield (id, Nautilus id, bar type, precision).

    ``adapt`` may change the Nautilus ``Equity`` before it is added (native mode's margins).
    """
    for iid in data.instrument_ids:
        precision = price_precision(data.instruments[iid], data.bars(iid))
        instrument = adapt(equity(data.instruments[iid], precision))
        engine.add_instrument(instrument)
        yield iid, instrument.id, bar_type(instrument.id, interval), precision


def engine_info(name: str, details: dict[str, str]) -> EngineInfo:
    """What the result records about the engine and this adapter."""
    return EngineInfo(
        name=name,
        version=nautilus_trader.__version__,
        adapter="finbot-engine-nautilus",
        adapter_version=_adapter_version(),
        details=details,
    )


def _adapter_version() -> str:
    try:
        return version("finbot-engine-nautilus")
    except PackageNotFoundError:  # running from a source tree without metadata
        return "unknown"


class BarDriver(NtStrategy):  # type: ignore[misc]
    """The one Nautilus strategy of a run: bars (and, with ``ticks``, trade ticks) drive it.

    Each bar goes to ``session.on_bar()``; an order Nautilus rejects or its risk engine denies goes
    to ``refused(event, how)``, which each mode implements.
    """

    def __init__(self, session: Any, bar_types: list[Any], *, ticks: bool = False) -> None:
        super().__init__(StrategyConfig(strategy_id="FINBOT", order_id_tag="001"))
        self._session = session
        self._bar_types = bar_types
        self._ticks = ticks

    def on_start(self) -> None:
        for kind in self._bar_types:
            self.subscribe_bars(kind)
            if self._ticks:
                self.subscribe_trade_ticks(kind.instrument_id)

    def on_bar(self, bar: Any) -> None:
        self._session.on_bar()

    def on_order_rejected(self, event: Any) -> None:
        self.refused(event, "rejected")

    def on_order_denied(self, event: Any) -> None:
        self.refused(event, "denied")

    def refused(self, event: Any, how: str) -> None:
        raise NotImplementedError
