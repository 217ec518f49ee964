"""An independent reference for golden strategy 1 (SMA crossover): vectorized pandas signals, a
short loop for the cash-dependent sizing, hand-written commission. Both engines must agree with it
on every trade (dates, quantities, prices) and on the final equity."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from engine_availability import require_engine
from sample_data import require_sample

from finbot.cli import load_data, make_config, run_backtest
from finbot.contracts import BacktestResult, MarketData, from_ns

CASH = 100_000.0
FAST, SLOW, FRACTION = 10, 30, 0.95  # SmaCrossover's defaults
COMMISSION_BPS, PER_SHARE = 5.0, 0.005


@dataclass(frozen=True)
class RefTrade:
    entry: pd.Timestamp
    exit: pd.Timestamp
    quantity: float
    entry_price: float
    exit_price: float


def commission(quantity: float, price: float) -> float:
    """5 bps of notional + 0.005 per share, in decimal, rounded half up to the cent."""
    q, p = Decimal(str(quantity)), Decimal(str(price))
    raw = q * p * Decimal(str(COMMISSION_BPS)) / Decimal(10_000) + q * Decimal(str(PER_SHARE))
    return float(raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def frame(data: MarketData, instrument: str) -> pd.DataFrame:
    bars = data.bars(instrument)
    index = pd.to_datetime(list(bars.ts_ns), unit="ns", utc=True)
    return pd.DataFrame({"open": list(bars.open), "close": list(bars.close)}, index=index)


def reference(df: pd.DataFrame, policy: str) -> tuple[list[RefTrade], float, float]:
    """(closed trades, open quantity, final equity) of the SMA crossover rules on one instrument."""
    diff = df["close"].rolling(FAST).mean() - df["close"].rolling(SLOW).mean()
    # A cross is judged against the last non-zero difference (touching is no signal).
    previous = diff.where(diff != 0).ffill().shift(1)
    signal = pd.Series(0, index=df.index)
    signal[(previous < 0) & (diff > 0)] = 1
    signal[(previous > 0) & (diff < 0)] = -1
    signal.iloc[-1] = 0  # orders placed on the final bar are never routed
    if policy == "next_open":
        fill_price, fill_time = df["open"].shift(-1), pd.Series(df.index, df.index).shift(-1)
    else:
        fill_price, fill_time = df["close"], pd.Series(df.index, df.index)

    cash, qty, entry = CASH, 0.0, None
    trades: list[RefTrade] = []
    for ts in signal.index[signal != 0]:
        price, when = float(fill_price[ts]), fill_time[ts]
        if signal[ts] > 0 and qty == 0:
            # Equity at the signal is cash (flat); whole shares of FRACTION of it at the close.
            size = float(math.floor(cash * FRACTION / df.at[ts, "close"]))
            cost = size * price + commission(size, price)
            if size > 0 and cost <= cash:  # else the broker rejects it for insufficient cash
                cash -= cost
                qty, entry = size, (when, price)
        elif signal[ts] < 0 and qty > 0:
            assert entry is not None
            cash += qty * price - commission(qty, price)
            trades.append(RefTrade(entry[0], when, qty, entry[1], price))
            qty, entry = 0.0, None
    return trades, qty, cash + qty * float(df["close"].iloc[-1])


def engine_trades(result: BacktestResult) -> list[RefTrade]:
    return [
        RefTrade(
            pd.Timestamp(from_ns(t.entry_ts_ns)),
            pd.Timestamp(from_ns(t.exit_ts_ns)),
            t.quantity,
            t.entry_price,
            t.exit_price,
        )
        for t in result.trades
    ]


DATASETS = {"golden": None, "orcl": "orcl-1995-2014.txt"}


@pytest.mark.parametrize("engine", ["backtrader", "nautilus"])
@pytest.mark.parametrize("policy", ["next_open", "this_close"])
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_engine_agrees_with_the_vectorized_reference(
    engine: str, policy: str, dataset: str
) -> None:
    require_engine(engine)
    files: tuple[Path, ...] = ()
    if DATASETS[dataset]:
        files = (require_sample(DATASETS[dataset]),)
    config = make_config(
        strategy="sma_crossover", data=files, engine=engine, fill_policy=policy,
        commission_bps=COMMISSION_BPS, commission_per_share=PER_SHARE,
    )
    data = load_data(config.dataset)
    instrument = data.instrument_ids[0]  # the strategy's default: the first instrument
    result = run_backtest(config, data=data)

    trades, open_qty, final_equity = reference(frame(data, instrument), policy)

    assert len(trades) >= 10, "too few trades for the comparison to mean much"
    assert engine_trades(result) == trades
    assert [p.quantity for p in result.positions] == ([open_qty] if open_qty else [])
    assert {f.instrument_id for f in result.fills} == {instrument}
    # Measured bit-identical (the reference books cash in the same float operations as the runner:
    # cost = qty * price + commission). A change in that order may justify a micro-cent bound.
    assert result.metrics.final_equity == final_equity
    assert result.metrics.total_commission > 0


def test_reference_commission_rounds_half_up_to_the_cent() -> None:
    # 15 shares at 112.00: 0.84 (bps) + 0.075 (per share) = 0.915 -> 0.92, although the same sum
    # in binary floats is 0.91499999... and would round down.
    assert 15 * 112.0 * COMMISSION_BPS / 10_000 + 15 * PER_SHARE < 0.915
    assert commission(15, 112.0) == 0.92
    assert commission(75, 112.0) == 4.58  # 4.2 + 0.375 = 4.575
    assert commission(1, 10.0) == 0.01  # 0.005 + 0.005 = 0.01 exactly
    assert commission(1, 1.0) == 0.01  # 0.0005 + 0.005 = 0.0055 -> 0.01
