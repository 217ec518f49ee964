"""What finbot checked and changed in a run's data before the engine saw it (stored in results)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ._config import MissingDataPolicy


class DataQuality(BaseModel):
    """The calendar, missing-data policy and the bars it touched, per instrument.

    Instants are UTC nanoseconds of the session (daily bars: 00:00 UTC of the session date).
    ``missing_sessions`` lists every session of ``calendar`` an instrument had no bar for within
    its own first..last bar; ``known_gaps`` are those the dataset declares and keeps as gaps;
    ``filled`` the synthetic bars ``ffill`` inserted (last close, zero volume, never filled);
    ``dropped`` the real bars ``drop`` removed so every instrument has the same sessions.
    ``warnings`` are findings that did not stop the run (overridden checks, short warm-up).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar: str
    missing_data: MissingDataPolicy
    missing_sessions: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    known_gaps: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    filled: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    dropped: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def bars_touched(self) -> int:
        """Synthetic bars added plus real bars removed."""
        return sum(map(len, self.filled.values())) + sum(map(len, self.dropped.values()))
