"""UTC time conversions: finbot stores instants as integer nanoseconds since the Unix epoch."""

from __future__ import annotations

from datetime import UTC, date, datetime

NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_DAY = 86_400 * NANOS_PER_SECOND


def to_ns(moment: datetime | date) -> int:
    """Nanoseconds since the epoch; naive datetimes are refused, dates mean 00:00 UTC."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"timestamp {moment.isoformat()} has no timezone; finbot needs UTC")
        delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * NANOS_PER_SECOND + delta.microseconds * 1000
    return (moment - date(1970, 1, 1)).days * NANOS_PER_DAY


def from_ns(ts_ns: int) -> datetime:
    """The UTC-aware datetime of a nanosecond timestamp (microsecond precision)."""
    return datetime.fromtimestamp(ts_ns // 1000 / 1_000_000, tz=UTC)


def session_date(ts_ns: int) -> date:
    """The UTC calendar date a timestamp falls on; engines agree on this label for daily bars."""
    return from_ns(ts_ns).date()
