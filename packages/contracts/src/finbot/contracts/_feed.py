"""``BarFeed``: the bars a run has seen so far, per instrument, replayed or streamed step by step.

A replay feed walks ``MarketData`` along its timeline (it knows the last step); a stream feed is
given each step's bars as they arrive and never knows where it ends. Either way a strategy only
ever sees bars up to the current step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._errors import EngineRunError
from ._market import Bar, MarketData
from ._strategy import PriceField
from ._time import from_ns

# Builds a Bar without its Python-level NamedTuple __new__: the same tuple, twice as fast.
_new_tuple = tuple.__new__
_FIELDS: tuple[PriceField, ...] = ("open", "high", "low", "close", "volume")
# (instrument id, stamps, open, high, low, close, volume)
_Columns = tuple[
    str,
    Sequence[int],
    Sequence[float],
    Sequence[float],
    Sequence[float],
    Sequence[float],
    Sequence[float],
]


class BarFeed:
    """Per instrument: the columns of its bars and how many of them the run has seen.

    In a replay the columns are the data's (tuples, read up to the seen count); in a stream
    they are lists that grow as bars are pushed. Readers slice them, so neither copies a bar.
    """

    __slots__ = (
        "_bar_columns",
        "_last_ts",
        "_next_step",
        "closes",
        "fields",
        "instrument_ids",
        "last_step",
        "seen",
        "stamps",
        "timeline",
    )

    def __init__(
        self,
        instrument_ids: Sequence[str],
        columns: Mapping[str, Sequence[Sequence[float]]],
        stamps: Mapping[str, Sequence[int]],
        timeline: tuple[int, ...] | None,
    ) -> None:
        self.instrument_ids = tuple(instrument_ids)
        self.timeline = timeline
        self.stamps = dict(stamps)
        self.fields = {
            iid: dict(zip(_FIELDS, cols, strict=True)) for iid, cols in columns.items()
        }
        self.closes = {iid: cols[3] for iid, cols in columns.items()}
        self.seen = dict.fromkeys(self.instrument_ids, 0)
        # The columns a step reads, looked up once instead of on every step.
        self._bar_columns: tuple[_Columns, ...] = tuple(
            (iid, self.stamps[iid], *columns[iid][:5])  # type: ignore[misc]
            for iid in self.instrument_ids
        )
        self._next_step = 0
        self._last_ts: int | None = None
        # True once the step just taken is the replay's last (a stream never knows).
        self.last_step = False

    @classmethod
    def replay(cls, data: MarketData) -> BarFeed:
        """Walk ``data`` along the union of its instruments' bar stamps."""
        series = {iid: data.bars(iid) for iid in data.instrument_ids}
        return cls(
            data.instrument_ids,
            {iid: (s.open, s.high, s.low, s.close, s.volume) for iid, s in series.items()},
            {iid: s.ts_ns for iid, s in series.items()},
            _union_of_stamps([s.ts_ns for s in series.values()]),
        )

    @classmethod
    def stream(cls, instrument_ids: Sequence[str]) -> BarFeed:
        """Start empty; each step's bars arrive through :meth:`push`."""
        columns: dict[str, Sequence[Sequence[float]]] = {
            iid: ([], [], [], [], []) for iid in instrument_ids
        }
        return cls(instrument_ids, columns, {iid: [] for iid in instrument_ids}, None)

    def peek(self, ts_ns: int) -> dict[str, Bar]:
        """The bars stamped ``ts_ns`` that the next step hands out, without taking the step."""
        return self._bars(ts_ns, False)

    def _bars(self, ts_ns: int, take: bool) -> dict[str, Bar]:
        seen = self.seen
        bars: dict[str, Bar] = {}
        for iid, stamps, o, h, lo, c, v in self._bar_columns:
            i = seen[iid]
            if i < len(stamps) and stamps[i] == ts_ns:
                bars[iid] = _new_tuple(Bar, (stamps[i], o[i], h[i], lo[i], c[i], v[i]))
                if take:
                    seen[iid] = i + 1
        return bars

    def advance(self, ts_ns: int) -> dict[str, Bar]:
        """Take the replay's next step, which must be ``ts_ns``; its bars.

        Raises:
            EngineRunError: ``ts_ns`` is not the next step of the timeline (an engine must visit
                every step, in order, exactly once), or this feed is a stream.
        """
        timeline = self.timeline
        k = self._next_step
        if timeline is None or k >= len(timeline) or timeline[k] != ts_ns:
            if timeline is None:
                expected = "a pushed step (this run is a stream)"
            else:
                expected = str(from_ns(timeline[k])) if k < len(timeline) else "no further step"
            raise EngineRunError(
                f"engine stepped to {from_ns(ts_ns)}, but the next step of the timeline is "
                f"{expected}"
            )
        self._next_step = k = k + 1
        self.last_step = k >= len(timeline)
        return self._bars(ts_ns, True)

    def push(self, ts_ns: int, bars: Mapping[str, Bar]) -> dict[str, Bar]:
        """Append one streamed step's bars (each stamped ``ts_ns``); the bars, as a dict.

        Raises:
            EngineRunError: the step is not later than the previous one, a bar is stamped
                otherwise, or names an instrument the run does not trade.
        """
        if self.timeline is not None:
            raise EngineRunError("bars cannot be pushed into a replay; step it instead")
        last = self._last_ts
        if last is not None and ts_ns <= last:
            raise EngineRunError(
                f"streamed step {from_ns(ts_ns)} is not after the previous one {from_ns(last)}"
            )
        taken: dict[str, Bar] = {}
        for iid, bar in bars.items():
            if iid not in self.seen:
                raise EngineRunError(f"streamed a bar of {iid!r}, which this run does not trade")
            if bar.ts_ns != ts_ns:
                raise EngineRunError(
                    f"streamed bar of {iid} is stamped {from_ns(bar.ts_ns)}, not the step "
                    f"{from_ns(ts_ns)}"
                )
            self.stamps[iid].append(ts_ns)  # type: ignore[attr-defined]
            for name, value in zip(_FIELDS, bar[1:], strict=True):
                self.fields[iid][name].append(value)  # type: ignore[attr-defined]
            self.seen[iid] += 1
            taken[iid] = bar
        self._last_ts = ts_ns
        return taken

    def bar_count(self, instrument_id: str) -> int:
        """How many of an instrument's bars the run has seen."""
        return self.seen[instrument_id]

    def bar(self, instrument_id: str) -> Bar | None:
        """The instrument's latest bar seen, or None before its first."""
        i = self.seen[instrument_id]
        if not i:
            return None
        f = self.fields[instrument_id]
        j = i - 1
        return _new_tuple(
            Bar,
            (
                self.stamps[instrument_id][j],
                f["open"][j],
                f["high"][j],
                f["low"][j],
                f["close"][j],
                f["volume"][j],
            ),
        )

    def last_close(self, instrument_id: str) -> float | None:
        """The instrument's latest close seen, or None before its first bar."""
        i = self.seen[instrument_id]
        return self.closes[instrument_id][i - 1] if i else None

    def history(
        self, instrument_id: str, field: PriceField = "close", length: int | None = None
    ) -> Sequence[float]:
        """Up to ``length`` latest values of ``field`` seen, oldest first."""
        end = self.seen[instrument_id]
        column = self.fields[instrument_id][field]
        start = 0 if length is None else max(end - length, 0)
        # A tuple, as before BarSeries columns became packed views: strategies keep these in
        # their state (checkpoints pickle it) and compare them with tuples.
        return tuple(column[start:end])


def _union_of_stamps(stamps: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Every instant at which some series has a bar, in order."""
    if len(stamps) == 1:
        return tuple(stamps[0])  # a BarSeries' stamps already strictly increase
    return tuple(sorted(set().union(*stamps)))
