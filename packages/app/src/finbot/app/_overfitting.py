"""Overfitting statistics of a search: the deflated Sharpe ratio, and PBO by CSCV.

PBO is the probability of backtest overfitting by combinatorially symmetric cross-validation.
Bailey & López de Prado, "The Deflated Sharpe Ratio" (2014); Bailey, Borwein, López de Prado and
Zhu, "The Probability of Backtest Overfitting" (2017). Sharpe ratios here are per period (not
annualized) unless a name says otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()

# CSCV over fewer trials than this says little: the rank of the in-sample winner out of sample
# takes too few values. The paper's own examples use tens to hundreds of trials.
MIN_PBO_TRIALS = 10


def expected_max_sharpe(trials: int, sharpe_variance: float) -> float:
    """E[max SR] of ``trials`` independent zero-skill trials whose Sharpe ratios have this variance.

    The False Strategy theorem's approximation; 0 for one trial.
    """
    if trials < 2:
        return 0.0
    z1 = _NORMAL.inv_cdf(1.0 - 1.0 / trials)
    z2 = _NORMAL.inv_cdf(1.0 - 1.0 / (trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def probabilistic_sharpe(
    sharpe: float, benchmark: float, observations: int, skew: float, kurtosis: float
) -> float:
    """P(true SR > ``benchmark``) given an estimate from ``observations`` returns (PSR).

    ``kurtosis`` is the plain (not excess) kurtosis: 3 for normal returns.
    """
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if observations < 2 or spread <= 0:
        return math.nan
    return _NORMAL.cdf((sharpe - benchmark) * math.sqrt(observations - 1) / math.sqrt(spread))


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of the best run, with what went into it."""

    dsr: float
    sharpe: float
    expected_max_sharpe: float
    trials: int
    observations: int
    skew: float
    kurtosis: float


def moments(returns: Sequence[float]) -> tuple[float, float, float, float]:
    """Mean, standard deviation (ddof 1), skewness and plain kurtosis of a return series."""
    import numpy as np  # lazily: `finbot --help` must not load it

    r = np.asarray(returns, dtype=float)
    mean, std = float(r.mean()), float(r.std(ddof=1))
    if std == 0:
        return mean, 0.0, 0.0, 3.0
    z = (r - mean) / r.std(ddof=0)
    return mean, std, float((z**3).mean()), float((z**4).mean())


def deflated_sharpe(
    returns: Sequence[float], *, trials: int, sharpe_variance: float
) -> DeflatedSharpe:
    """The DSR of a return series picked as the best of ``trials``.

    Args:
        returns: The chosen run's per-period returns.
        trials: How many configurations were tried (from the registry).
        sharpe_variance: Variance of the per-period Sharpe ratios across those trials.
    """
    mean, std, skew, kurt = moments(returns)
    sharpe = mean / std if std > 0 else 0.0
    benchmark = expected_max_sharpe(trials, sharpe_variance)
    return DeflatedSharpe(
        dsr=probabilistic_sharpe(sharpe, benchmark, len(returns), skew, kurt),
        sharpe=sharpe,
        expected_max_sharpe=benchmark,
        trials=trials,
        observations=len(returns),
        skew=skew,
        kurtosis=kurt,
    )


@dataclass(frozen=True, slots=True)
class Pbo:
    """CSCV's probability of backtest overfitting and its logits, one per combination."""

    pbo: float
    logits: tuple[float, ...]
    blocks: int
    trials: int
    warnings: tuple[str, ...]


def _sharpe_columns(sums: np.ndarray, squares: np.ndarray, counts: np.ndarray) -> np.ndarray:
    import numpy as np

    mean = sums / counts[:, None]
    var = (squares - counts[:, None] * mean**2) / (counts[:, None] - 1)
    std = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(std > 0, mean / std, 0.0)
    return np.asarray(out)


def probability_of_overfitting(
    performance: Sequence[Sequence[float]] | Any, *, blocks: int = 16
) -> Pbo:
    """PBO by CSCV of a T x N matrix: T periods (rows) of returns for N trials (columns).

    The rows are cut into ``blocks`` contiguous blocks; every half of them (C(16, 8) = 12,870
    combinations for 16) is the in-sample set and the rest out of sample. In each, the trial with
    the best in-sample Sharpe ratio is ranked out of sample: relative rank w = rank / (N + 1), logit
    ln(w / (1 - w)). PBO is the share of combinations whose logit is <= 0 (the in-sample winner at
    or below the out-of-sample median).

    Raises:
        ValueError: Fewer than two trials, an odd or too small block count, or fewer than two rows
            per block.
    """
    import numpy as np  # lazily: `finbot --help` must not load it

    m = np.asarray(performance, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ValueError("PBO needs a T x N matrix with at least two trials (columns)")
    if blocks < 2 or blocks % 2:
        raise ValueError(f"CSCV needs an even number of blocks, got {blocks}")
    rows, trials = m.shape
    if rows < 2 * blocks:
        raise ValueError(f"{rows} periods are too few for {blocks} blocks of at least 2")
    edges = np.linspace(0, rows, blocks + 1).astype(int)
    parts = [m[a:b] for a, b in itertools.pairwise(edges)]
    sums = np.stack([p.sum(axis=0) for p in parts])
    squares = np.stack([(p**2).sum(axis=0) for p in parts])
    counts = np.array([len(p) for p in parts], dtype=float)
    halves = itertools.combinations(range(blocks), blocks // 2)
    combos = np.array([[i in c for i in range(blocks)] for c in halves])
    train = combos.astype(float)
    test = 1.0 - train
    in_sample = _sharpe_columns(train @ sums, train @ squares, train @ counts)
    out_sample = _sharpe_columns(test @ sums, test @ squares, test @ counts)
    best = in_sample.argmax(axis=1)
    chosen = out_sample[np.arange(len(best)), best]
    # Rank 1..N of the chosen trial out of sample (ties count half), as the paper's ordinal rank.
    below = (out_sample < chosen[:, None]).sum(axis=1)
    ties = (out_sample == chosen[:, None]).sum(axis=1)
    rank = below + (ties + 1) / 2.0
    omega = rank / (trials + 1)
    logits = np.log(omega / (1.0 - omega))
    warnings = []
    if trials < MIN_PBO_TRIALS:
        warnings.append(
            f"PBO over {trials} trials is not meaningful (fewer than {MIN_PBO_TRIALS}); "
            "widen the grid"
        )
    return Pbo(
        pbo=float((logits <= 0).mean()),
        logits=tuple(float(x) for x in logits),
        blocks=blocks,
        trials=trials,
        warnings=tuple(warnings),
    )
