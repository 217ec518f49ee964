from __future__ import annotations

from datetime import date

from finbot.contracts import session_date
from finbot.data import synthetic_daily, synthetic_intraday


def test_daily_benchmark_size_and_determinism():
    data = synthetic_daily()
    (series,) = data
    assert len(series) == 25_200  # 100 years of 252 sessions
    assert session_date(series.ts_ns[0]) == date(1925, 1, 2)
    assert all(session_date(t).weekday() < 5 for t in series.ts_ns[:300])
    assert synthetic_daily(n_bars=300, instruments=2, seed=4).snapshot_id() == synthetic_daily(
        n_bars=300, instruments=2, seed=4
    ).snapshot_id()
    assert synthetic_daily(n_bars=300, seed=4).snapshot_id() != synthetic_daily(
        n_bars=300, seed=5
    ).snapshot_id()


def test_intraday_benchmark():
    data = synthetic_intraday()
    (series,) = data
    assert len(series) == 250_000
    step = 5 * 60 * 10**9
    assert series.ts_ns[1] - series.ts_ns[0] == step
    assert series.ts_ns[78] - series.ts_ns[77] > step  # a new session after 78 bars
    # BarSeries validation already enforced high >= max(open, close) etc.; spot-check the paths:
    assert all(h >= max(o, c) and lo <= min(o, c) for _, o, h, lo, c, _ in list(series)[:5000])


def test_multi_instrument_ids():
    data = synthetic_intraday(n_bars=1000, instruments=3)
    assert data.instrument_ids == ("SYN01", "SYN02", "SYN03")
    assert data.bars("SYN01").close != data.bars("SYN02").close
