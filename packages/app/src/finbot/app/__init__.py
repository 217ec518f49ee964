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
from ._batch import daily_returns, run_batch
from ._batch_history import BatchHistory, BatchSummary, RunHistory, batch_history, list_batches
from ._batch_plan import BatchPlan, PlannedRun, plan_batch, plan_payload
from ._batch_report import LOWER_IS_BETTER, BatchProgress, BatchReport, RunRow, rank
from ._batch_resume import ResumePlan, plan_resume
from ._batch_spec import (
    METRICS,
    BatchSpec,
    BatchSpecError,
    DatasetSpec,
    ExecutionSpec,
    WalkForwardSpec,
    load_batch_file,
    parse_batch,
    read_batch_file,
)
from ._cost_analysis import (
    CapacityPoint,
    CostAnalysis,
    SweepPoint,
    analyze_costs,
    run_cost_analysis,
)
from ._dask_executor import DaskExecutor
from ._executors import (
    BatchExecutor,
    HardTimeLimitError,
    LocalExecutor,
    SerialExecutor,
    default_workers,
    hard_limit,
    make_executor,
)
from ._grid import expand, grid_size, parse_grid, parse_value
from ._output import check_output_dir, refuse_escaping_links
from ._overfitting import (
    DeflatedSharpe,
    Pbo,
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    probability_of_overfitting,
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
from ._pilot import PilotReport, PilotSettings, evaluate_pilot
from ._pilot_criteria import Criterion, decide
from ._pilot_report import render_markdown, write_pilot_report
from ._progress import count_steps, step_count
from ._recording import RunRecorder, open_registry, run_recorder
from ._regimes import (
    CRISIS_WINDOWS,
    RegimeMetrics,
    crisis_labels,
    read_labels,
    regime_labels,
    regime_metrics,
    run_regimes,
    trend_labels,
    volatility_labels,
)
from ._reports import (
    check_report_path,
    report_cohort,
    report_parity,
    report_recorded,
    report_result,
    write_page,
)
from ._rerun import rerun_recorded, strategy_instance
from ._run_key import engine_version, run_key
from ._search_stats import registry_trials, search_statistics
from ._strategy_ids import declared_strategy_id, runs_strategy
from ._strategy_loader import load_strategy
from ._sweep import run_sweep, walk_forward
from ._taxonomy import TRANSIENT, FailureKind, RunStatus, is_transient
from ._timeout import RunTimeoutError, time_limit
from ._walkforward import run_walk_forward
from ._walkforward_plan import Pair, walk_forward_pairs
from ._walkforward_report import FoldResult, PairWalkForward, WalkForwardReport
from ._walkforward_windows import Fold, walk_forward_windows
from ._wiring import (
    DEFAULT_ENGINE,
    DEFAULT_STRATEGY,
    check_engine_name,
    engine_for_mode,
    engine_names,
    make_engine,
)

__all__ = [
    # re-pricing a recorded run's fills (finbot costs, ADR 0021)
    "CapacityPoint",
    "CostAnalysis",
    "SweepPoint",
    "analyze_costs",
    "run_cost_analysis",
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
    # NautilusTrader pilot evaluation (ADR 0026)
    "Criterion",
    "PilotReport",
    "PilotSettings",
    "decide",
    "evaluate_pilot",
    "render_markdown",
    "write_pilot_report",
    # progress
    "count_steps",
    "step_count",
    # output
    "check_output_dir",
    "refuse_escaping_links",
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
    # recorded batches (finbot batches)
    "BatchHistory",
    "BatchSummary",
    "RunHistory",
    "batch_history",
    "list_batches",
    "ResumePlan",
    "plan_resume",
    # batches and sweeps
    "METRICS",
    "LOWER_IS_BETTER",
    "TRANSIENT",
    "BatchExecutor",
    "BatchPlan",
    "BatchProgress",
    "BatchReport",
    "BatchSpec",
    "BatchSpecError",
    "DaskExecutor",
    "DatasetSpec",
    "ExecutionSpec",
    "FailureKind",
    "HardTimeLimitError",
    "LocalExecutor",
    "PlannedRun",
    "RunRow",
    "RunStatus",
    "SerialExecutor",
    "WalkForwardSpec",
    "daily_returns",
    "default_workers",
    "engine_version",
    "expand",
    "grid_size",
    "hard_limit",
    "is_transient",
    "load_batch_file",
    "make_executor",
    "parse_batch",
    "parse_grid",
    "parse_value",
    "plan_batch",
    "plan_payload",
    "read_batch_file",
    "rank",
    "run_batch",
    "run_key",
    "run_sweep",
    # walk-forward and overfitting statistics
    "DeflatedSharpe",
    "Fold",
    "FoldResult",
    "Pair",
    "PairWalkForward",
    "Pbo",
    "WalkForwardReport",
    "deflated_sharpe",
    "expected_max_sharpe",
    "probabilistic_sharpe",
    "probability_of_overfitting",
    "registry_trials",
    "run_walk_forward",
    "search_statistics",
    "walk_forward",
    "walk_forward_pairs",
    "walk_forward_windows",
    # regimes
    "CRISIS_WINDOWS",
    "RegimeMetrics",
    "crisis_labels",
    "read_labels",
    "regime_labels",
    "regime_metrics",
    "run_regimes",
    "trend_labels",
    "volatility_labels",
    # registry
    "RunRecorder",
    "open_registry",
    "rerun_recorded",
    "run_recorder",
    # strategies
    "declared_strategy_id",
    "load_strategy",
    "runs_strategy",
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
