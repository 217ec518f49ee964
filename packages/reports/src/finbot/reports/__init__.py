"""finbot-reports: self-contained HTML pages (plotly) of runs, parity checks and run cohorts.

Each page is one HTML file with plotly.js inlined, so it opens with no network. Static PNGs and
page checks drive a locally installed Chromium (``check_page``, ``export_png``).
"""

from finbot.contracts import METRIC_KINDS, METRIC_ROWS, format_metric, format_value

from ._analytics import (
    VAR_LEVEL,
    RiskFigures,
    Series,
    buy_and_hold,
    drawdown,
    monthly_returns,
    probabilistic_sharpe,
    quantile,
    risk_figures,
    rolling_figures,
    sharpe_ratio,
    value_at_risk,
)
from ._browser import (
    CHROMIUM_FLAGS,
    BrowserNotFoundError,
    PageCheck,
    check_page,
    export_png,
    find_chromium,
)
from ._cohort_page import CohortRun, cohort_page, varying_params
from ._downsample import MAX_POINTS, keep_indices
from ._folds import FoldRow, walk_forward_folds
from ._page import Page
from ._parity_page import EngineComparison, gap_bp, parity_page
from ._tearsheet import tear_sheet

__all__ = [
    # pages
    "CohortRun",
    "EngineComparison",
    "FoldRow",
    "Page",
    "cohort_page",
    "gap_bp",
    "parity_page",
    "tear_sheet",
    "varying_params",
    "walk_forward_folds",
    # browser
    "CHROMIUM_FLAGS",
    "BrowserNotFoundError",
    "PageCheck",
    "check_page",
    "export_png",
    "find_chromium",
    # analytics
    "VAR_LEVEL",
    "RiskFigures",
    "Series",
    "buy_and_hold",
    "drawdown",
    "monthly_returns",
    "probabilistic_sharpe",
    "quantile",
    "risk_figures",
    "rolling_figures",
    "sharpe_ratio",
    "value_at_risk",
    # drawing
    "MAX_POINTS",
    "keep_indices",
    # number format
    "METRIC_KINDS",
    "METRIC_ROWS",
    "format_metric",
    "format_value",
]
