"""Where each instrument's bars came from, so checks after loading can name the file and row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Origin:
    """An instrument's file, each bar's row in it (as the user counts), the columns' spelling."""

    source: str
    rows: Sequence[int] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def row(self, position: int) -> int:
        """The row of the bar at ``position`` (1-based position when rows are unknown)."""
        return int(self.rows[position]) if self.rows is not None else position + 1

    def name(self, canonical: str) -> str:
        """A field as the file spells it (``Close`` for ``close``)."""
        return self.fields.get(canonical, canonical)


# Filled by the loaders as they build series: instrument id -> its origin.
Origins = dict[str, Origin]
