"""Puts the A/B harness's native strategies on the import path: Backtrader's here, Nautilus's in
benchmarks/ (one native baseline serves both the A/B test and the benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; ab_native needs it.
sys.path.insert(0, str(Path(__file__).parent))
# Appended, so nothing of the benchmarks' can shadow an installed module.
sys.path.append(str(Path(__file__).parents[2] / "benchmarks"))
