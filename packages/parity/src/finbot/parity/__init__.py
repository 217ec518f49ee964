"""finbot-parity: proof that two engines agree on the same run.

``compare_results(baseline, other)`` checks order and fill sequences, fill prices, final and daily
equity and every metric against a ``ParityTolerance`` and returns a ``ParityReport``.
``fill_differences(baseline, other)`` measures, fill by fill in basis points, two engines that are
not expected to agree (Nautilus native mode against Backtrader).
"""

from ._compare import compare_results
from ._fill_differences import FillDifference, FillDifferenceReport, fill_differences
from ._report import Divergence, MetricComparison, ParityReport
from ._tolerance import EXACT, ParityTolerance

__all__ = [
    "EXACT",
    "Divergence",
    "MetricComparison",
    "ParityReport",
    "ParityTolerance",
    "compare_results",
    # measured differences
    "FillDifference",
    "FillDifferenceReport",
    "fill_differences",
]
