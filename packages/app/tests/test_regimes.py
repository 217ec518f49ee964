from __future__ import annotations

import math
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from finbot.app import (
    crisis_labels,
    read_labels,
    regime_metrics,
    trend_labels,
    volatility_labels,
)
from finbot.contracts import ConfigError

D = [date(2020, 1, 1) + timedelta(days=i) for i in range(8)]


def test_trend_compares_each_close_with_its_own_moving_average() -> None:
    closes = dict(zip(D, [10, 11, 12, 9, 9, 13, 14, 8], strict=True))
    # 3-session SMAs from the third day: 11, 10.67, 10, 10.33, 12, 11.67
    assert trend_labels(closes, window=3) == {
        D[2]: "up", D[3]: "down", D[4]: "down", D[5]: "up", D[6]: "up", D[7]: "down"
    }


def test_volatility_terciles_split_the_sample_in_thirds() -> None:
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range(200)]
    rng = random.Random(4)
    price, closes = 100.0, {}
    for i, day in enumerate(days):
        price *= 1 + rng.gauss(0, 0.001 if i < 70 else 0.03 if i < 140 else 0.008)
        closes[day] = price
    labels = volatility_labels(closes, window=5)
    counts = {k: list(labels.values()).count(k) for k in ("low", "mid", "high")}
    assert max(counts.values()) - min(counts.values()) <= 2
    assert labels[days[100]] == "high" and labels[days[40]] == "low"


def test_crisis_windows_label_their_days_and_the_rest_is_normal() -> None:
    days = [date(2020, 2, 18), date(2020, 3, 1), date(2020, 3, 24)]
    assert crisis_labels(days) == {
        days[0]: "normal", days[1]: "covid_crash", days[2]: "normal"
    }


def test_metrics_per_regime_compound_only_that_regimes_days() -> None:
    returns = [0.1, -0.05, 0.02, -0.1, 0.03, 0.0, 0.01, -0.02]
    labels = {d: ("a" if i % 2 == 0 else "b") for i, d in enumerate(D)}
    by = {m.label: m for m in regime_metrics(D, returns, labels)}
    assert by["a"].days == 4
    assert by["a"].total_return == pytest.approx(1.1 * 1.02 * 1.03 * 1.01 - 1)
    assert by["b"].total_return == pytest.approx(0.95 * 0.9 * 1.0 * 0.98 - 1)
    # b's worst peak-to-trough: from 1 down to 0.95 * 0.9 * 0.98
    assert by["b"].max_drawdown == pytest.approx(1 - 0.95 * 0.9 * 0.98)
    assert by["a"].annual_return == pytest.approx((1.1 * 1.02 * 1.03 * 1.01) ** (252 / 4) - 1)
    assert math.isclose(by["a"].annual_volatility or 0, 0.0, abs_tol=1e-12) is False


def test_a_bad_labels_file_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("date,label\n2020-01-01,calm\n01/02/2020,storm\n")
    with pytest.raises(ConfigError, match=r"labels.csv, row 3: date '01/02/2020'"):
        read_labels(path)
    path.write_text("day,label\n")
    with pytest.raises(ConfigError, match="needs 'date' and 'label' columns"):
        read_labels(path)
