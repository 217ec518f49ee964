"""finbot-contracts: the domain every finbot package shares.

Market data, orders and fills, the run config, the strategy contract and its context, the engine
and other ports, the versioned ``BacktestResult`` and the one metrics path.
Depends on pydantic only.
"""

from ._account import AccountState
from ._broker_events import BrokerEvent, BrokerEventKind
from ._config import (
    DataCheck,
    DatasetRef,
    MissingDataPolicy,
    PriceMode,
    RunConfig,
    StrategySpec,
    canonical_json,
)
from ._cost_breakdown import COST_KINDS, CostBreakdown
from ._costs import (
    COMMISSION_PRESETS,
    CommissionRounding,
    CommissionTier,
    CostModel,
    FillPolicy,
    PriceCosts,
)
from ._data_quality import DataQuality
from ._errors import (
    ConfigError,
    DataValidationError,
    EngineRunError,
    FinbotError,
    ResultSchemaError,
    StrategyLoadError,
    describe_validation_problem,
)
from ._format import METRIC_KINDS, METRIC_ROWS, format_metric, format_value
from ._margin import AccountKind, AccountModel
from ._market import (
    AssetClass,
    Bar,
    BarSeries,
    CashDividend,
    CorporateAction,
    Instrument,
    MarketData,
    Quote,
    Split,
    TradeTick,
)
from ._metrics import (
    compute_metrics,
    daily_equity,
    daily_points,
    period_returns,
    periods_per_year,
)
from ._native import NativeAccount, NativeExecution, NativeLiquidity
from ._orders import (
    Fill,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    TimeInForce,
)
from ._ports import BacktestEngine, Broker, DataSource, RunRegistry
from ._result import (
    MIGRATIONS,
    SCHEMA_VERSION,
    BacktestResult,
    EngineInfo,
    EquityCurve,
    Metrics,
    PositionRecord,
    TradeRecord,
    migrate_payload,
)
from ._runner import END_OF_DATA, OrderRouter, RunContext, StrategyRunner
from ._strategy import PriceField, Strategy, StrategyContext, StrategyParams
from ._time import from_ns, session_date, to_ns
from ._trades import build_trades
from ._window_figures import WindowFigures, window_figures

__all__ = [
    # market data
    "AssetClass",
    "Bar",
    "BarSeries",
    "CashDividend",
    "CorporateAction",
    "Instrument",
    "MarketData",
    "Quote",
    "Split",
    "TradeTick",
    # orders and execution
    "Fill",
    "OrderRequest",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "TimeInForce",
    "BrokerEvent",
    "BrokerEventKind",
    # account state and kind
    "AccountKind",
    "AccountModel",
    "AccountState",
    # costs, config
    "COMMISSION_PRESETS",
    "CommissionRounding",
    "CommissionTier",
    "CostModel",
    "COST_KINDS",
    "CostBreakdown",
    "PriceCosts",
    "DataCheck",
    "DatasetRef",
    "FillPolicy",
    "MissingDataPolicy",
    "NativeAccount",
    "NativeExecution",
    "NativeLiquidity",
    "PriceMode",
    "RunConfig",
    "StrategySpec",
    "canonical_json",
    # strategy contract
    "PriceField",
    "Strategy",
    "StrategyContext",
    "StrategyParams",
    # running (for adapters)
    "END_OF_DATA",
    "OrderRouter",
    "RunContext",
    "StrategyRunner",
    # ports
    "BacktestEngine",
    "Broker",
    "DataSource",
    "RunRegistry",
    # results and metrics
    "METRIC_KINDS",
    "METRIC_ROWS",
    "format_metric",
    "format_value",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "BacktestResult",
    "DataQuality",
    "EngineInfo",
    "EquityCurve",
    "Metrics",
    "PositionRecord",
    "TradeRecord",
    "build_trades",
    "compute_metrics",
    "daily_equity",
    "daily_points",
    "period_returns",
    "periods_per_year",
    "migrate_payload",
    # errors
    "ConfigError",
    "DataValidationError",
    "EngineRunError",
    "FinbotError",
    "ResultSchemaError",
    "StrategyLoadError",
    "describe_validation_problem",
    # time
    "from_ns",
    "session_date",
    "to_ns",
    "WindowFigures",
    "window_figures",
]
