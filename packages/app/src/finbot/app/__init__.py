"""finbot-app: the use cases every entry point calls (CLI, batch workers, notebooks).

Prepare a run, run it, compare engines, rerun a recorded run, record runs; and the composition root
(``_wiring``), the one place that picks concrete engines, data sources and strategies. Engines,
pandas and the registry are imported only when a use case needs them.
"""

from ._backtest import (
    PreparedRun,
    check_engine,
    describe_validation_error,
    load_data,
    make_config,
    prepare_run,
    result_frames,
    run_backtest,
    run_prepared,
    write_result,
)
from ._paper import (
    RESULT_DIR,
    kill_paper,
    make_paper_settings,
    reset_paper,
    resume_paper,
    start_paper,
)
from ._parity import (
    REPORT_FILE,
    TOLERANCES,
    ParityRun,
    compare_engines,
    default_engines,
    parity_payload,
    parse_engines,
    run_parity,
    write_results,
)
from ._recording import RunRecorder, open_registry, run_recorder
from ._reports import (
    check_report_path,
    report_cohort,
    report_parity,
    report_recorded,
    report_result,
    write_page,
)
from ._rerun import rerun_recorded, strategy_instance
from ._strategy_loader import load_strategy
from ._timeout import RunTimeoutError, time_limit
from ._wiring import (
    DEFAULT_ENGINE,
    DEFAULT_STRATEGY,
    check_engine_name,
    engine_for_mode,
    engine_names,
    make_engine,
)

__all__ = [
    # backtest
    "PreparedRun",
    "check_engine",
    "load_data",
    "make_config",
    "prepare_run",
    "result_frames",
    "run_backtest",
    "RunTimeoutError",
    "run_prepared",
    "time_limit",
    "write_result",
    # parity
    "REPORT_FILE",
    "TOLERANCES",
    "ParityRun",
    "compare_engines",
    "default_engines",
    "parity_payload",
    "parse_engines",
    "run_parity",
    "write_results",
    # paper trading
    "RESULT_DIR",
    "kill_paper",
    "make_paper_settings",
    "reset_paper",
    "resume_paper",
    "start_paper",
    # reports
    "check_report_path",
    "report_cohort",
    "report_parity",
    "report_recorded",
    "report_result",
    "write_page",
    # registry
    "RunRecorder",
    "open_registry",
    "rerun_recorded",
    "run_recorder",
    # strategies
    "load_strategy",
    "strategy_instance",
    # composition root
    "DEFAULT_ENGINE",
    "DEFAULT_STRATEGY",
    "check_engine_name",
    "engine_for_mode",
    "engine_names",
    "make_engine",
    # helpers
    "describe_validation_error",
]
