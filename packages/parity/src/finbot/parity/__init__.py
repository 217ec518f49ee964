"""finbot-parity: proof that two engines agree on the same run.

``compare_results(baseline, other)`` checks order and fill sequences, fill prices, final and daily
equity and every metric against a ``ParityTolerance`` and returns a ``ParityReport``.
"""

from ._compare import compare_results
from ._report import Divergence, MetricComparison, ParityReport
from ._tolerance import EXACT, ParityTolerance

__all__ = [
    "EXACT",
    "Divergence",
    "MetricComparison",
    "ParityReport",
    "ParityTolerance",
    "compare_results",
]
