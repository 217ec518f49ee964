"""Fixtures for the cross-package registry tests: a daily bar CSV in the test's tmp dir."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest


@pytest.fixture
def wave_csv(tmp_path: Path) -> Path:
    """A Yahoo-style daily CSV with a wave in it, so an SMA crossover trades several times."""
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    day = date(2020, 1, 1)
    for i in range(260):
        close = round(50 + 10 * math.sin(i / 9) + i * 0.05, 2)
        open_ = round(close - 0.3 * math.cos(i), 2)
        high, low = max(open_, close) + 0.5, min(open_, close) - 0.5
        lines.append(
            f"{day + timedelta(days=i)},{open_},{high:.2f},{low:.2f},{close},{close},{1000 + i}"
        )
    path = tmp_path / "WAVE.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
