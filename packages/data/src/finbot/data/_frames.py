"""pandas views of a result, for notebooks: equity curve on a UTC index, orders, fills, trades."""

from __future__ import annotations

import pandas as pd

from finbot.contracts import BacktestResult

from ._result_tables import result_tables


def result_frames(result: BacktestResult) -> dict[str, pd.DataFrame]:
    """DataFrames keyed ``equity_curve``, ``orders``, ``fills``, ``trades``, ``positions``.

    ``equity_curve`` is indexed by a UTC ``DatetimeIndex`` named ``ts``; elsewhere instants are
    ``datetime64[ns, UTC]`` columns and absent values (e.g. a market order's limit price) are NaN
    or None.
    """
    frames = {name: table.to_pandas() for name, table in result_tables(result).items()}
    frames["equity_curve"] = frames["equity_curve"].set_index("ts")
    return frames
