"""finbot-cli: the ``finbot`` command, a thin entry point over the use cases in ``finbot.app``.

Each command parses its options, calls one ``finbot.app`` use case and renders the outcome. The
Python API is re-exported here for notebooks written against ``finbot.cli``; new code imports
``finbot.app``. Engines and pandas are imported only when a run needs them.
"""

from finbot.app import (
    DEFAULT_ENGINE,
    DEFAULT_STRATEGY,
    ParityRun,
    describe_validation_error,
    engine_names,
    load_data,
    load_strategy,
    make_config,
    make_engine,
    result_frames,
    run_backtest,
    run_parity,
    write_result,
)

from ._app import app, main
from ._errors import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE
from ._params import parse_params, parse_value

__all__ = [
    # Python API (from finbot.app)
    "load_data",
    "load_strategy",
    "make_config",
    "result_frames",
    "run_backtest",
    "run_parity",
    "ParityRun",
    "write_result",
    # wiring (from finbot.app)
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
