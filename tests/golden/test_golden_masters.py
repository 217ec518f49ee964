"""Golden masters: every golden strategy x engine x fill policy reruns bit-identical to its frozen
result. Any drift fails; masters change only through regenerate.py (README.md)."""

from __future__ import annotations

import dataclasses

import pytest
from golden_masters import (
    ENGINES,
    MASTERS_DIR,
    POLICIES,
    REGENERATE,
    MasterCase,
    cases,
    drift_message,
    engine_missing,
    load,
    master_drift,
)

from finbot.contracts import BacktestResult, Metrics
from finbot.parity import EXACT, compare_results
from finbot.strategies import GOLDEN_STRATEGIES


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_rerun_matches_its_golden_master(case: MasterCase) -> None:
    reason = engine_missing(case.engine)
    if reason:
        pytest.skip(f"{case.engine} not available: {reason}")
    assert case.path.is_file(), f"no master {case.path}; create it with {REGENERATE}"
    drift = master_drift(case, case.run())
    assert drift is None, drift


def test_the_masters_folder_holds_exactly_the_expected_cases() -> None:
    expected = {c.path.name for c in cases()}
    present = {p.name for p in MASTERS_DIR.glob("*.json")}
    assert present - expected == set(), f"stale masters (no such case): {present - expected}"
    assert expected - present == set(), f"missing masters; run {REGENERATE}"
    assert len(expected) == len(GOLDEN_STRATEGIES) * len(ENGINES) * len(POLICIES)


@pytest.mark.parametrize("strategy", list(GOLDEN_STRATEGIES))
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.value)
def test_the_engines_masters_agree_exactly(strategy: str, policy) -> None:
    # The frozen files themselves are in parity: regenerating one engine's masters alone cannot
    # quietly freeze a cross-engine difference.
    baseline, other = (load(MasterCase(strategy, engine, policy)) for engine in ENGINES)
    report = compare_results(baseline, other, EXACT)
    assert report.ok, report.breaches
    assert report.fill_counts[0] > 0


def test_a_drift_message_names_the_first_diverging_fill_and_the_fix() -> None:
    case = MasterCase("sma_crossover", "backtrader", POLICIES[0])
    master = load(case)
    fills = list(master.fills)
    fills[3] = dataclasses.replace(fills[3], price=fills[3].price + 0.01)
    drifted = master.model_copy(update={"fills": tuple(fills)})
    assert drifted.content_hash() != master.content_hash()
    message = drift_message(case, case.path.read_text(), drifted)
    assert "fields that differ: fills" in message
    assert "first diverging fill #3 (price)" in message
    assert f"'price': {fills[3].price}" in message
    assert f"{REGENERATE} --engine backtrader --strategy sma_crossover" in message


class _MetricsPlus(Metrics):
    """Metrics plus one defaulted field: a stored-format change (ADR 0004 bumps the version)."""

    new_figure: float | None = None


class _ResultPlus(BacktestResult):
    metrics: _MetricsPlus


def test_a_defaulted_field_added_to_metrics_fails_the_master_comparison() -> None:
    # Issue 7: read through the current model, a master gains the new field's default and agrees
    # with a rerun however the stored form changed. The comparison reads the file as raw text.
    case = MasterCase("sma_crossover", "backtrader", POLICIES[0])
    rerun = _ResultPlus.model_validate(load(case).model_dump())  # same run, one more field
    blind = _ResultPlus.from_json(case.path.read_text())
    assert blind.content_hash() == rerun.content_hash()  # the old comparison saw no drift
    drift = master_drift(case, rerun)
    assert drift is not None
    assert "fields that differ: metrics" in drift
    assert "  - metrics.new_figure (only in the rerun)" in drift
    assert master_drift(case, load(case)) is None

