"""ADR 0026's go/no-go criteria for the NautilusTrader pilot, and its decision rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["must", "should"]

# The thresholds of docs/adr/0026-nautilus-pilot-go-no-go-criteria.md, which fixed them before
# anything was measured. Change them only with a new ADR, never to move a verdict.
M1_MEAN_ABS_BP = 1.0
M1_MAX_ABS_BP = 5.0
M1_ONLY_ONE_SIDE_SHARE = 0.01
M3_SUB_BAR_MOVED_SHARE = 0.05
M3_ONE_BAR_SHARE = 0.95
S1_THROUGHPUT_RATIO = 0.8
S2_STARTUP_RATIO = 2.0
S3_MEMORY_RATIO = 2.0
S4_FOOTPRINT_MIB = 250.0
S5_ADAPTER_SIZE_RATIO = 2.0
S6_MAX_UNHONOURED = 3
S7_MAX_IMPORT_SURFACE = 40
S7_PROJECT_PYTHON = "3.11"
MAX_SHOULD_FAILURES = 2


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion's verdict: ``passed`` is None when it could not be measured (a failure)."""

    code: str
    kind: Kind
    title: str
    threshold: str
    measured: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        """``pass``, ``FAIL`` or ``not measured`` (which counts as a failure)."""
        if self.passed is None:
            return "not measured"
        return "pass" if self.passed else "FAIL"


def decide(criteria: tuple[Criterion, ...]) -> Literal["go", "no-go"]:
    """ADR 0026's rule: go when every must passes and at most two shoulds fail."""
    must_ok = all(c.passed is True for c in criteria if c.kind == "must")
    should_failures = sum(c.passed is not True for c in criteria if c.kind == "should")
    return "go" if must_ok and should_failures <= MAX_SHOULD_FAILURES else "no-go"
