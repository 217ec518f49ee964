"""``build_result``: a finished run's books and orders as the versioned ``BacktestResult``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ._config import RunConfig
from ._errors import EngineRunError
from ._ledger import Ledger
from ._metrics import compute_metrics
from ._order_manager import OrderManager
from ._result import BacktestResult, EngineInfo, PositionRecord


def build_result(
    config: RunConfig,
    engine: EngineInfo,
    data_snapshot_id: str,
    ledger: Ledger,
    orders: OrderManager,
    last_close: Callable[[str], float | None],
) -> BacktestResult:
    """Trades (the ledger's FIFO round trips), positions and metrics from this one path."""
    curve = ledger.equity_curve()
    all_orders = tuple(orders.orders.values())
    fills = tuple(ledger.fills)
    trades, open_lots = tuple(ledger.fifo.trades), ledger.fifo.open_positions()
    return BacktestResult(
        config=config,
        engine=engine,
        data_snapshot_id=data_snapshot_id,
        equity_curve=curve,
        orders=all_orders,
        fills=fills,
        trades=trades,
        positions=position_records(ledger.positions, open_lots, last_close),
        metrics=compute_metrics(curve, trades, fills, all_orders, config.starting_cash),
        costs=ledger.cost_breakdown(),
    )


def position_records(
    positions: Mapping[str, float],
    open_lots: Mapping[str, tuple[float, float]],
    last_close: Callable[[str], float | None],
) -> tuple[PositionRecord, ...]:
    """Open positions at their latest closes.

    The average price is that of the FIFO lots still open, the same matching that builds the
    trades, so realized (trades) plus unrealized (positions) P&L is the total P&L.
    """
    records = []
    for iid, qty in sorted(positions.items()):
        last = last_close(iid) or 0.0
        if iid not in open_lots:
            raise EngineRunError(f"position in {iid} has no open FIFO lots; books disagree")
        avg = open_lots[iid][1]
        records.append(
            PositionRecord(
                instrument_id=iid,
                quantity=qty,
                avg_price=avg,
                last_price=last,
                market_value=qty * last,
                unrealized_pnl=qty * (last - avg),
            )
        )
    return tuple(records)
