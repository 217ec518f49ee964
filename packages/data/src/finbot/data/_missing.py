"""The missing-data policy of a run: find the calendar sessions an instrument has no bar for.

Then raise (listing them), forward-fill them, or drop those sessions from every instrument.
"""

from __future__ import annotations

import numpy as np

from finbot.contracts import (
    BarSeries,
    DataQuality,
    DataValidationError,
    MarketData,
    MissingDataPolicy,
    from_ns,
)

from ._calendar import (
    DEFAULT_CALENDAR,
    Sessions,
    is_daily,
    missing_session_indexes,
    session_index,
    session_stamp,
    sessions_for,
)

_LISTED = 10  # gaps spelled out per instrument in an error
_DAY_NS = 86_400 * 10**9


def resolve_calendar(data: MarketData, calendar: str | None = None) -> str:
    """The calendar a dataset is checked against: the one asked for, its own, else XNYS."""
    return calendar or data.calendar or DEFAULT_CALENDAR


def apply_missing_data(
    data: MarketData, policy: MissingDataPolicy, *, calendar: str | None = None
) -> tuple[MarketData, DataQuality]:
    """Apply ``policy`` to the sessions of ``calendar`` each instrument misses.

    A missing session is one of the calendar's sessions between an instrument's first and last bar
    with no bar of it (intraday: no bar between the session's open and close). Sessions the data
    declares in ``known_gaps`` are kept as gaps under ``raise``.

    - ``raise``: any other missing session is an error listing them.
    - ``ffill``: a synthetic bar per missing session (open = high = low = close = the previous
      close, volume 0), stamped with the session (daily) or its open (intraday).
    - ``drop``: every instrument's bars in a session any instrument misses are removed.

    Returns:
        The data to run on (with the resolved calendar) and the record of what was found and done.

    Raises:
        DataValidationError: ``raise`` and an undeclared missing session; the message lists them.
    """
    name = resolve_calendar(data, calendar)
    found = [s for s in data if len(s)]
    if not found:
        return data, DataQuality(calendar=name, missing_data=policy)
    sessions = sessions_for(
        name, min(s.ts_ns[0] for s in found), max(s.ts_ns[-1] for s in found)
    )
    missing: dict[str, np.ndarray] = {}  # instrument -> indexes of its missing sessions
    daily: dict[str, bool] = {}
    for s in found:
        ts = np.asarray(s.ts_ns, dtype=np.int64)
        daily[s.instrument_id] = is_daily(ts)
        gaps = missing_session_indexes(ts, sessions, daily=daily[s.instrument_id])
        if gaps.size:
            missing[s.instrument_id] = gaps
    stamps = {
        iid: session_stamp(sessions, idx, daily=daily[iid]).tolist() for iid, idx in missing.items()
    }
    quality = DataQuality(
        calendar=name,
        missing_data=policy,
        missing_sessions={iid: tuple(ts) for iid, ts in stamps.items()},
    )
    if policy is MissingDataPolicy.FFILL:
        filled = {iid: _ffill(data.bars(iid), stamps[iid]) for iid in stamps}
        out = _replaced(data, filled, name)
        return out, quality.model_copy(update={"filled": quality.missing_sessions})
    if policy is MissingDataPolicy.DROP:
        drop = np.unique(np.concatenate(list(missing.values()))) if missing else np.empty(0)
        kept: dict[str, BarSeries] = {}
        dropped: dict[str, tuple[int, ...]] = {}
        for s in found:
            ts = np.asarray(s.ts_ns, dtype=np.int64)
            gone = np.isin(session_index(ts, sessions, daily=daily[s.instrument_id]), drop)
            if gone.any():
                kept[s.instrument_id] = _without(s, gone)
                dropped[s.instrument_id] = tuple(ts[gone].tolist())
        return _replaced(data, kept, name), quality.model_copy(update={"dropped": dropped})
    known = {iid: set(ts) for iid, ts in data.known_gaps.items()}
    unknown = {
        iid: [t for t in ts if t not in known.get(iid, set())] for iid, ts in stamps.items()
    }
    unknown = {iid: ts for iid, ts in unknown.items() if ts}
    if unknown:
        raise DataValidationError(_gap_message(unknown, sessions, data.name), source=data.name)
    kept_gaps = {iid: tuple(ts) for iid, ts in stamps.items()}
    return _replaced(data, {}, name), quality.model_copy(update={"known_gaps": kept_gaps})


def _gap_message(gaps: dict[str, list[int]], sessions: Sessions, dataset: str) -> str:
    total = sum(map(len, gaps.values()))
    parts = []
    for iid, ts in gaps.items():
        days = ", ".join(_label(t) for t in ts[:_LISTED])
        more = f" and {len(ts) - _LISTED} more" if len(ts) > _LISTED else ""
        parts.append(f"{iid} misses {len(ts)}: {days}{more}")
    return (
        f"{total} missing {sessions.calendar} session(s) in dataset {dataset}: "
        f"{'; '.join(parts)}. Choose a policy with --missing-data ffill|drop, or the data's "
        "exchange with --calendar"
    )


def _label(ts_ns: int) -> str:
    moment = from_ns(ts_ns)
    return str(moment.date()) if ts_ns % _DAY_NS == 0 else moment.isoformat()


def _ffill(series: BarSeries, stamps: list[int]) -> BarSeries:
    ts = np.asarray(series.ts_ns, dtype=np.int64)
    new = np.asarray(stamps, dtype=np.int64)
    close = np.asarray(series.close, dtype=np.float64)
    # The previous real bar's close: the last bar stamped before each synthetic one.
    carried = close[np.searchsorted(ts, new) - 1]
    order = np.argsort(np.concatenate((ts, new)), kind="stable")

    def merged(real: np.ndarray, synthetic: np.ndarray) -> list[float]:
        return np.concatenate((real, synthetic))[order].tolist()  # type: ignore[no-any-return]

    prices = {
        name: merged(np.asarray(getattr(series, name), dtype=np.float64), carried)
        for name in ("open", "high", "low", "close")
    }
    volume = merged(np.asarray(series.volume, dtype=np.float64), np.zeros(len(new)))
    return BarSeries.from_columns(
        series.instrument_id,
        np.concatenate((ts, new))[order].tolist(),
        prices["open"], prices["high"], prices["low"], prices["close"], volume,
    )


def _without(series: BarSeries, gone: np.ndarray) -> BarSeries:
    keep = ~gone

    def pick(name: str) -> list[float]:
        return np.asarray(getattr(series, name))[keep].tolist()  # type: ignore[no-any-return]

    return BarSeries.from_columns(
        series.instrument_id,
        np.asarray(series.ts_ns, dtype=np.int64)[keep].tolist(),
        pick("open"), pick("high"), pick("low"), pick("close"), pick("volume"),
    )


def with_calendar(data: MarketData, calendar: str) -> MarketData:
    """The same data, declaring ``calendar`` as its calendar."""
    return data if data.calendar == calendar else _replaced(data, {}, calendar)


def _replaced(data: MarketData, series: dict[str, BarSeries], calendar: str) -> MarketData:
    return MarketData(
        data.instruments.values(),
        (series.get(s.instrument_id, s) for s in data),
        data.corporate_actions,
        name=data.name,
        calendar=calendar,
        known_gaps=data.known_gaps,
    )
