"""Exchange sessions from exchange-calendars: which bars lie outside sessions, which are missing.

Daily bars are session labels (00:00 UTC of the session date); intraday bars must fall within a
session's open..close (UTC), as the calendar's schedule gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from finbot.contracts import ConfigError, DataValidationError, from_ns

DEFAULT_CALENDAR = "XNYS"
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Sessions:
    """The sessions of one calendar over a date range, as int64 UTC nanoseconds."""

    calendar: str
    labels_ns: np.ndarray  # session dates, 00:00 UTC
    opens_ns: np.ndarray
    closes_ns: np.ndarray


def is_daily(ts_ns: np.ndarray) -> bool:
    """Whether every stamp is 00:00 UTC: daily bars stamped with their session date."""
    return bool(np.all(ts_ns % _DAY_NS == 0))


def sessions_for(calendar: str, first_ns: int, last_ns: int) -> Sessions:
    """The calendar's sessions from ``first_ns``'s date to ``last_ns``'s date (a week's margin).

    Raises:
        ConfigError: No calendar of that name.
        DataValidationError: The data's dates are outside what the calendar can compute.
    """
    start = from_ns(first_ns).date() - timedelta(days=7)
    end = from_ns(last_ns).date() + timedelta(days=7)
    return _sessions(calendar, start, end)


@lru_cache(maxsize=32)
def _sessions(calendar: str, start: date, end: date) -> Sessions:
    import exchange_calendars as xc  # imported on first use: it is slow to import

    try:
        cal = xc.get_calendar(calendar, start=start.isoformat(), end=end.isoformat())
    except xc.errors.InvalidCalendarName:
        raise ConfigError(
            f"unknown calendar '{calendar}'; use an exchange-calendars code such as XNYS, XLON, "
            "24/5 or 24/7 (exchange_calendars.get_calendar_names() lists them)"
        ) from None
    except (ValueError, xc.errors.CalendarError) as exc:
        raise DataValidationError(
            f"calendar {calendar} cannot cover {start} .. {end}: {exc}"
        ) from None
    schedule = cal.schedule
    return Sessions(
        calendar=calendar,
        labels_ns=np.asarray(schedule.index.as_unit("ns").asi8, dtype=np.int64),
        opens_ns=np.asarray(schedule["open"].dt.as_unit("ns").astype("int64"), dtype=np.int64),
        closes_ns=np.asarray(schedule["close"].dt.as_unit("ns").astype("int64"), dtype=np.int64),
    )


def session_index(ts_ns: np.ndarray, sessions: Sessions, *, daily: bool) -> np.ndarray:
    """Per bar, the index of the session it belongs to, or -1 for a bar outside every session."""
    if daily:
        pos = np.searchsorted(sessions.labels_ns, ts_ns)
        found = pos < len(sessions.labels_ns)
        found[found] = sessions.labels_ns[pos[found]] == ts_ns[found]
        return np.where(found, pos, -1)
    pos = np.searchsorted(sessions.opens_ns, ts_ns, side="right") - 1
    inside = pos >= 0
    inside[inside] = ts_ns[inside] < sessions.closes_ns[pos[inside]]
    return np.where(inside, pos, -1)


def missing_session_indexes(ts_ns: np.ndarray, sessions: Sessions, *, daily: bool) -> np.ndarray:
    """Indexes of the sessions between the first and last bar's session that have no bar."""
    index = session_index(ts_ns, sessions, daily=daily)
    index = index[index >= 0]
    if index.size == 0:
        return np.empty(0, dtype=np.int64)
    span = np.arange(index.min(), index.max() + 1)
    return span[~np.isin(span, index)]


def session_stamp(sessions: Sessions, indexes: np.ndarray, *, daily: bool) -> np.ndarray:
    """The instant a bar of each session is stamped with: its date (daily) or its open."""
    stamps: np.ndarray = (sessions.labels_ns if daily else sessions.opens_ns)[indexes]
    return stamps
