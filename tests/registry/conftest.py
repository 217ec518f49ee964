"""Fixtures for the cross-package registry tests: a daily bar CSV in the test's tmp dir."""

from __future__ import annotations

import math
from pathlib import Path

import pytest


@pytest.fixture
def wave_csv(tmp_path: Path) -> Path:
    """A Yahoo-style daily CSV with a wave in it, so an SMA crossover trades several times.

    One bar per XNYS session (the default calendar), so the data passes the session checks.
    """
    import exchange_calendars as xc

    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    sessions = xc.get_calendar("XNYS", start="2020-01-01", end="2021-12-31").sessions[:260]
    for i, session in enumerate(sessions):
        day = session.date()
        close = round(50 + 10 * math.sin(i / 9) + i * 0.05, 2)
        open_ = round(close - 0.3 * math.cos(i), 2)
        high, low = max(open_, close) + 0.5, min(open_, close) - 0.5
        lines.append(
            f"{day},{open_},{high:.2f},{low:.2f},{close},{close},{1000 + i}"
        )
    path = tmp_path / "WAVE.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
