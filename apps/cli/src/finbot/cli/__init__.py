"""finbot-cli: the ``finbot`` command and the Python API notebooks use to run backtests.

This package is the composition root: the one place that picks concrete engines, data sources
and strategies (see ``_wiring``). Engines and pandas are imported only when a run needs them.
"""

from ._api import (
    describe_validation_error,
    load_data,
    make_config,
    result_frames,
    run_backtest,
    write_result,
)
from ._app import app, main
from ._errors import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE
from ._params import parse_params, parse_value
from ._parity import ParityRun, run_parity
from ._strategy_loader import load_strategy
from ._wiring import DEFAULT_ENGINE, DEFAULT_STRATEGY, engine_names, make_engine

__all__ = [
    # Python API
    "load_data",
    "load_strategy",
    "make_config",
    "result_frames",
    "run_backtest",
    "run_parity",
    "ParityRun",
    "write_result",
    # wiring
    "DEFAULT_ENGINE",
    "DEFAULT_STRATEGY",
    "engine_names",
    "make_engine",
    # command line
    "EXIT_OK",
    "EXIT_RUN_FAILED",
    "EXIT_USAGE",
    "app",
    "main",
    # helpers
    "describe_validation_error",
    "parse_params",
    "parse_value",
]
