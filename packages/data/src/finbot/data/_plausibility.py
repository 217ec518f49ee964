"""Plausibility checks on data that parsed: each finding names the file, row, field and value.

Each check can be overridden per dataset (``DatasetRef.allow``) when the data is known to be right;
the hard rules (finite, positive, not too large to compute with) are ``BarSeries``'s own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from finbot.contracts import BarSeries, DataCheck, DataValidationError, MarketData, from_ns, to_ns

from ._calendar import Sessions, is_daily, session_index, sessions_for
from ._origin import Origin

# Close-to-open ratios that look like an unadjusted k:1 split (or a 1:k reverse split).
SPLIT_RATIOS = (2, 3, 4, 5, 8, 10, 20, 25, 50, 100, 1000)
SPLIT_TOLERANCE = 0.03  # relative distance of the ratio from 1/k (or k)
# A price more than OUTLIER_FACTOR times away from the prices around it.
OUTLIER_FACTOR = 10.0

_HINT = {
    DataCheck.FUTURE_DATES: "future-dates",
    DataCheck.SPLIT_JUMPS: "split-jumps",
    DataCheck.OUTLIERS: "outliers",
    DataCheck.OFF_SESSION: "off-session",
}


def check_plausibility(
    data: MarketData,
    origins: Mapping[str, Origin],
    *,
    calendar: str,
    allow: Collection[DataCheck] = (),
    now_ns: int,
) -> None:
    """Raise on the first implausible value of any instrument, unless its check is allowed.

    Jumps on the ex-date of a declared split or dividend are expected and not reported.

    Raises:
        DataValidationError: Naming the file, row, field and value, and the override to use.
    """
    exempt: dict[str, set[int]] = {}
    for action in data.corporate_actions:
        exempt.setdefault(action.instrument_id, set()).add(to_ns(action.ex_date))
    for series in data:
        origin = origins.get(series.instrument_id, Origin(source=data.name))
        expected = exempt.get(series.instrument_id, set())
        _check_series(series, origin, calendar, set(allow), now_ns, expected)


def _check_series(
    series: BarSeries,
    origin: Origin,
    calendar: str,
    allow: set[DataCheck],
    now_ns: int,
    exempt: set[int],
) -> None:
    if len(series) == 0:
        return
    ts = np.asarray(series.ts_ns, dtype=np.int64)
    cols = {name: np.asarray(getattr(series, name), dtype=np.float64)
            for name in ("open", "high", "low", "close", "volume")}
    if DataCheck.FUTURE_DATES not in allow:
        _future(ts, origin, now_ns)
    if DataCheck.OFF_SESSION not in allow:
        _off_session(ts, origin, calendar)
    # Outliers first: the bar after a lone spike gaps back like a split would.
    if DataCheck.OUTLIERS not in allow:
        _outliers(cols, origin)
    if DataCheck.SPLIT_JUMPS not in allow:
        _split_jumps(ts, cols, origin, exempt)


def _fail(origin: Origin, position: int, field: str, message: str, check: DataCheck | None
          ) -> DataValidationError:
    if check is not None:
        message += f"; if the data is right, allow it with --allow {_HINT[check]}"
    return DataValidationError(
        message, source=origin.source, row=origin.row(position), field=origin.name(field)
    )


def _future(ts: np.ndarray, origin: Origin, now_ns: int) -> None:
    bad = np.flatnonzero(ts > now_ns)
    if bad.size:
        i = int(bad[0])
        raise _fail(origin, i, "timestamp",
                    f"{from_ns(int(ts[i])).isoformat()} is in the future (now is "
                    f"{from_ns(now_ns).isoformat(timespec='seconds')})", DataCheck.FUTURE_DATES)


def _off_session(ts: np.ndarray, origin: Origin, calendar: str) -> None:
    daily = is_daily(ts)
    sessions = sessions_for(calendar, int(ts[0]), int(ts[-1]))
    bad = np.flatnonzero(session_index(ts, sessions, daily=daily) < 0)
    if bad.size:
        i = int(bad[0])
        raise _fail(origin, i, "timestamp", _off_session_text(int(ts[i]), sessions, daily,
                                                              int(bad.size)),
                    DataCheck.OFF_SESSION)


def _off_session_text(ts_ns: int, sessions: Sessions, daily: bool, count: int) -> str:
    moment = from_ns(ts_ns)
    what = (f"{moment.date()} ({moment.strftime('%A')}) is not a {sessions.calendar} session"
            if daily else f"{moment.isoformat()} is outside the {sessions.calendar} sessions' "
            "open..close")
    more = f" ({count} such bars in this file)" if count > 1 else ""
    return f"{what}{more}; pick the data's exchange with --calendar"


def _split_jumps(
    ts: np.ndarray, cols: Mapping[str, np.ndarray], origin: Origin, exempt: set[int]
) -> None:
    if len(ts) < 2:
        return
    ratio = cols["open"][1:] / cols["close"][:-1]
    expected = np.isin(ts[1:], np.fromiter(exempt, dtype=np.int64, count=len(exempt)))
    first: tuple[int, str] | None = None
    for k in SPLIT_RATIOS:
        for target, label in ((1.0 / k, f"{k}:1 split"), (float(k), f"1:{k} reverse split")):
            hits = np.flatnonzero((np.abs(ratio / target - 1.0) < SPLIT_TOLERANCE) & ~expected)
            if hits.size and (first is None or hits[0] + 1 < first[0]):
                first = (int(hits[0]) + 1, label)
    if first is not None:
        i, label = first
        raise _fail(
            origin, i, "open",
            f"open {cols['open'][i]:g} is {ratio[i - 1]:.4g} x the previous close "
            f"{cols['close'][i - 1]:g}: this looks like an unadjusted {label}; use "
            "split-adjusted prices (or Adj Close)", DataCheck.SPLIT_JUMPS)


def _outliers(cols: Mapping[str, np.ndarray], origin: Origin) -> None:
    close = cols["close"]
    # Each bar's reference: the median of the previous close, its own open and close and the next
    # close. One bad value cannot move a median of four, and a level shift (a real jump, or a
    # split) moves most of the four together, so only a lone spike stands out.
    before = np.concatenate((close[:1], close[:-1]))
    after = np.concatenate((close[1:], close[-1:]))
    reference = np.median(np.stack((before, cols["open"], close, after)), axis=0)
    for name in ("open", "high", "low", "close"):
        factor = cols[name] / reference
        bad = np.flatnonzero((factor > OUTLIER_FACTOR) | (factor < 1.0 / OUTLIER_FACTOR))
        if bad.size:
            i = int(bad[0])
            raise _fail(origin, i, name,
                        f"{name} {cols[name][i]:g} is {factor[i]:.3g} x {reference[i]:g}, the "
                        "median of the bar's open and close and the closes around it (an "
                        "extreme outlier)", DataCheck.OUTLIERS)
