"""finbot.contracts for engine adapters and brokers: the run driver and the one simulated broker.

Strategy authors need none of this (``finbot.contracts`` is theirs). An adapter drives a
``StrategyRunner``; the ``SimulatedBroker`` decides fills by ADR 0003's rules for the ``sim``
engine, the Nautilus replica path, paper trading and test fakes.
"""

from ._broker_events import BrokerEvent, BrokerEventKind, OrderEventSink, deliver
from ._broker_router import BrokerRouter
from ._clock import Clock, ReplayClock, WallClock
from ._corporate_actions import ActionBooks, ActionSchedule, AppliedAction
from ._feed import BarFeed
from ._fill_costs import FillCosts
from ._fill_rules import BarFill, bar_fill, created_price, limit_fill, stop_fill
from ._ledger import Ledger
from ._margin import INSUFFICIENT_CASH, INSUFFICIENT_MARGIN, SHORT_ON_CASH_ACCOUNT, MarginRule
from ._order_manager import OrderManager
from ._result_builder import build_result
from ._runner import (
    END_OF_DATA,
    FOK_CANCELED,
    IOC_CANCELED,
    OrderRouter,
    RunContext,
    StrategyRunner,
)
from ._sim_broker import BrokerView, FillCap, SimulatedBroker
from ._simulate import Simulation, simulate

__all__ = [
    # driving a run
    "END_OF_DATA",
    "FOK_CANCELED",
    "IOC_CANCELED",
    "BrokerRouter",
    "OrderRouter",
    "RunContext",
    "StrategyRunner",
    # its parts
    "BarFeed",
    "Clock",
    "FillCosts",
    "Ledger",
    "OrderManager",
    "ReplayClock",
    "WallClock",
    "build_result",
    # splits and dividends reaching the books (an adapter mirrors them into its engine)
    "ActionBooks",
    "ActionSchedule",
    "AppliedAction",
    # the simulated broker
    "INSUFFICIENT_CASH",
    "INSUFFICIENT_MARGIN",
    "SHORT_ON_CASH_ACCOUNT",
    "BrokerView",
    "FillCap",
    "MarginRule",
    "SimulatedBroker",
    "Simulation",
    "simulate",
    # its events
    "BrokerEvent",
    "BrokerEventKind",
    "OrderEventSink",
    "deliver",
    # ADR 0003's fill rules on one bar
    "BarFill",
    "bar_fill",
    "created_price",
    "limit_fill",
    "stop_fill",
]
