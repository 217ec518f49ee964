"""Contract <-> Backtrader translation: datetimes and the in-memory feed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import backtrader as bt
import pytest

from finbot.contracts import Bar, BarSeries, DataValidationError, to_ns
from finbot.engine_backtrader._translate import BarSeriesFeed, bar_columns, bt_datetime, bt_timeline


def test_bt_datetime_matches_backtraders_own_conversion() -> None:
    for moment in (datetime(2024, 3, 1, tzinfo=UTC), datetime(2006, 1, 2, 9, 35, tzinfo=UTC)):
        assert bt_datetime(to_ns(moment)) == bt.date2num(moment.replace(tzinfo=None))


def test_timeline_refuses_instants_backtrader_cannot_separate() -> None:
    base = to_ns(datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    assert len(bt_timeline([base, base + 1_000_000_000], "x")) == 2
    with pytest.raises(DataValidationError, match="too close"):
        bt_timeline([base, base + 1_000], "x")


@pytest.mark.parametrize("preload", [True, False])
def test_feed_serves_the_series_with_and_without_preload(preload: bool) -> None:
    days = [date(2024, 1, d) for d in (2, 3, 4)]
    series = BarSeries.from_bars(
        "A", [Bar(to_ns(d), 10.0 + i, 12.0 + i, 9.0 + i, 11.0 + i, 5.0) for i, d in enumerate(days)]
    )
    to_float = {ts: bt_datetime(ts) for ts in series.ts_ns}
    seen: list[tuple[date, float, float, float, float, float]] = []

    class Record(bt.Strategy):  # type: ignore[misc]
        def next(self) -> None:
            d = self.data
            seen.append(
                (d.datetime.date(0), d.open[0], d.high[0], d.low[0], d.close[0], d.volume[0])
            )

    cerebro = bt.Cerebro(stdstats=False, preload=preload, runonce=preload)
    cerebro.adddata(BarSeriesFeed(dataname=bar_columns(series, to_float), name="A"))
    cerebro.addstrategy(Record)
    cerebro.run()
    rows = zip(days, series, strict=True)
    expected = [(d, b.open, b.high, b.low, b.close, b.volume) for d, b in rows]
    assert seen == expected
