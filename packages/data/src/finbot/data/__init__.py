"""finbot-data: where market data comes from and where results go.

Loaders for Yahoo/Backtrader CSV and Parquet bar files (validated into ``finbot.contracts``
``MarketData``), the frozen embedded datasets and seeded synthetic ones, back-adjustment for
corporate actions, plausibility checks, exchange sessions and the missing-data policy, the
``DataSource`` runs use, and result files (JSON + Parquet) with pandas views.
"""

from ._calendar import DEFAULT_CALENDAR
from ._corporate import adjust_for_corporate_actions
from ._embedded import (
    EMBEDDED_DATASETS,
    embedded_dataset_dir,
    load_embedded,
    read_frozen_dataset,
)
from ._files import load_files, read_csv_bars
from ._frames import result_frames
from ._golden import (
    GOLDEN_ACTIONS,
    GOLDEN_CALENDAR,
    GOLDEN_INSTRUMENTS,
    GOLDEN_MISSING_SESSION,
    GOLDEN_SEED,
    generate_golden_dataset,
)
from ._missing import apply_missing_data, resolve_calendar
from ._origin import Origin
from ._parquet import read_parquet_bars
from ._plausibility import check_plausibility
from ._prices import ADJ_CLOSE_USES, apply_price_mode, dividends_from_adj_close
from ._result_files import read_result_parquet, write_result
from ._source import (
    DEFAULT_DATASET,
    GENERATED_DATASETS,
    LocalDataSource,
    dataset_ref,
    load_dataset,
)
from ._synthetic import synthetic_daily, synthetic_intraday

__all__ = [
    # datasets and the data source
    "DEFAULT_DATASET",
    "EMBEDDED_DATASETS",
    "GENERATED_DATASETS",
    "LocalDataSource",
    "dataset_ref",
    "embedded_dataset_dir",
    "load_dataset",
    "load_embedded",
    "read_frozen_dataset",
    # file loaders
    "load_files",
    "read_csv_bars",
    "read_parquet_bars",
    # corporate actions
    "adjust_for_corporate_actions",
    "apply_price_mode",
    "dividends_from_adj_close",
    "ADJ_CLOSE_USES",
    # calendars, plausibility, missing data
    "DEFAULT_CALENDAR",
    "Origin",
    "apply_missing_data",
    "check_plausibility",
    "resolve_calendar",
    # synthetic data
    "GOLDEN_ACTIONS",
    "GOLDEN_CALENDAR",
    "GOLDEN_INSTRUMENTS",
    "GOLDEN_MISSING_SESSION",
    "GOLDEN_SEED",
    "generate_golden_dataset",
    "synthetic_daily",
    "synthetic_intraday",
    # results
    "read_result_parquet",
    "result_frames",
    "write_result",
]
