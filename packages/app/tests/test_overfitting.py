"""DSR against the published worked example; PBO against a naive second implementation of CSCV."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest

from finbot.app import (
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    probability_of_overfitting,
)


def test_deflated_sharpe_matches_bailey_and_lopez_de_prado_numerical_example() -> None:
    # "The Deflated Sharpe Ratio" (2014), section 4: an annualized SR of 2.5 found as the best of
    # N = 100 trials whose annualized SRs have variance 1/2, over 5 years of daily returns
    # (T = 1250, 250 a year), skewness -3 and kurtosis 10. The paper gives SR0 = 0.1132 per day
    # and DSR = 0.9004.
    sr0 = expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = probabilistic_sharpe(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-4)


def test_one_trial_is_not_deflated_and_normal_moments_come_from_the_returns() -> None:
    rng = np.random.default_rng(7)
    returns = rng.normal(0.001, 0.01, 2000)
    single = deflated_sharpe(returns.tolist(), trials=1, sharpe_variance=0.0)
    assert single.expected_max_sharpe == 0.0
    assert single.skew == pytest.approx(0.0, abs=0.15)
    assert single.kurtosis == pytest.approx(3.0, abs=0.3)
    many = deflated_sharpe(returns.tolist(), trials=1000, sharpe_variance=0.001)
    assert many.dsr < single.dsr  # more trials, a higher bar


def _naive_pbo(matrix: np.ndarray, blocks: int) -> tuple[float, list[float]]:
    """CSCV written out plainly, loop by loop, with the statistics module."""
    rows, trials = matrix.shape
    edges = [round(i * rows / blocks) for i in range(blocks + 1)]
    parts = [list(range(edges[i], edges[i + 1])) for i in range(blocks)]

    def sharpe(col: int, index: list[int]) -> float:
        values = [matrix[i, col] for i in index]
        sd = statistics.stdev(values)
        return statistics.fmean(values) / sd if sd > 0 else 0.0

    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        train = [i for b in chosen for i in parts[b]]
        test = [i for b in range(blocks) if b not in chosen for i in parts[b]]
        is_sr = [sharpe(c, train) for c in range(trials)]
        oos_sr = [sharpe(c, test) for c in range(trials)]
        best = is_sr.index(max(is_sr))
        rank = sorted(oos_sr).index(oos_sr[best]) + 1
        omega = rank / (trials + 1)
        logits.append(math.log(omega / (1 - omega)))
    return sum(1 for x in logits if x <= 0) / len(logits), logits


def test_pbo_equals_a_naive_cscv_on_random_trials() -> None:
    rng = np.random.default_rng(11)
    matrix = rng.normal(0.0, 0.01, (120, 7)) + rng.normal(0.0, 0.002, 7)
    expected, logits = _naive_pbo(matrix, 8)
    got = probability_of_overfitting(matrix, blocks=8)
    assert len(got.logits) == math.comb(8, 4) == len(logits)
    assert got.pbo == pytest.approx(expected)
    assert got.logits == pytest.approx(logits)


def test_pbo_is_zero_for_a_dominant_trial_and_near_half_for_pure_noise() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.01, (640, 20))
    dominant = noise.copy()
    dominant[:, 4] += 0.02
    assert probability_of_overfitting(dominant).pbo == 0.0
    # With no skill anywhere the in-sample winner is a coin flip out of sample.
    pbos = [probability_of_overfitting(rng.normal(0, 0.01, (320, 20))).pbo for _ in range(6)]
    assert 0.3 < statistics.fmean(pbos) < 0.7


def test_pbo_warns_when_too_few_trials_and_refuses_too_few_rows() -> None:
    rng = np.random.default_rng(5)
    few = probability_of_overfitting(rng.normal(0, 0.01, (64, 3)))
    assert few.warnings and "3 trials is not meaningful" in few.warnings[0]
    with pytest.raises(ValueError, match="too few"):
        probability_of_overfitting(rng.normal(0, 0.01, (20, 12)))
