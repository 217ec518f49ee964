"""The pilot evaluation's parts: ADR 0026's rule, the feature probes, the static measures."""

from __future__ import annotations

import pytest

from finbot.app import Criterion, decide, make_engine
from finbot.app._pilot_probes import (
    PROBES,
    _Script,
    probe_config,
    probe_market,
    run_probes,
    signature,
)


def _criteria(musts: tuple[bool | None, ...], shoulds: tuple[bool | None, ...]):
    return tuple(
        Criterion(f"{kind[0].upper()}{i}", kind, "t", "x", "y", passed)
        for kind, values in (("must", musts), ("should", shoulds))
        for i, passed in enumerate(values)
    )


@pytest.mark.parametrize(
    ("musts", "shoulds", "expected"),
    [
        ((True, True), (True, False, False), "go"),
        ((True, True), (False, False, False), "no-go"),  # three shoulds failed
        ((True, False), (True, True, True), "no-go"),  # a must failed
        ((True, None), (True, True, True), "no-go"),  # a must not measured counts as failed
        ((True, True), (None, None, True), "go"),
        ((True, True), (None, None, None), "no-go"),
    ],
)
def test_adr_0026_rule(musts, shoulds, expected) -> None:
    assert decide(_criteria(musts, shoulds)) == expected


# Hand-computed from the probe bars (ADR 0003, fill policy this_close unless the probe sets it):
# (side, quantity, price, bar index) of every fill.
EXPECTED_FILLS = {
    "market order": [("buy", 10, 100.0, 0)],  # bar 0's close
    "limit order": [("buy", 10, 99.5, 1)],  # bar 1 opens 100 above the limit, trades down to 98
    "stop order": [("buy", 10, 101.5, 1)],  # bar 1 opens 100 below the stop, trades up to 102
    "cancel": [],
    "DAY expiry": [],
    "short sale": [("sell", 10, 100.0, 0), ("buy", 10, 102.0, 2)],
    "next_open fill policy": [("buy", 10, 100.0, 1)],  # bar 1's open
    "insufficient-cash rejection": [],  # 100 x 100 > 1,000 of cash
    "slippage_bps": [("buy", 10, 100.1, 0)],  # 10 bp worse than the close
    "fractional quantity": [],  # 2.5 is no whole number of lots (lot 1): refused (ADR 0022)
    # stop 1.5 below each close from bar 1 (101 -> 99.5 ... 103 -> 101.5); bar 4 falls to 99
    "trailing stop": [("buy", 10, 100.0, 0), ("sell", 10, 101.5, 4)],
    "OCO": [("buy", 10, 100.0, 0), ("sell", 10, 103.5, 3)],  # target hit on bar 3, stop canceled
    "bracket": [("buy", 10, 100.0, 0), ("sell", 10, 103.5, 3)],
}


def test_the_probes_match_hand_computed_fills_on_the_reference_engines() -> None:
    data = probe_market()
    stamps = list(data.bars("AAA").ts_ns)
    outcomes = run_probes(engines=("backtrader", "sim"))
    by = {(o.probe, o.engine): o for o in outcomes}
    sim = make_engine("sim")
    for probe in PROBES:
        if probe.name not in EXPECTED_FILLS:
            continue
        result = sim.run(probe_config(probe, "sim"), _Script(probe.script), data)
        fills = [(s, q, p, stamps.index(ts)) for s, q, p, ts in signature(result)[0]]
        assert fills == EXPECTED_FILLS[probe.name], probe.name
        assert by[(probe.name, "backtrader")].honoured is True, by[(probe.name, "backtrader")]
    statuses = {o.probe: o.detail for o in outcomes if o.engine == "sim"}
    assert statuses["DAY expiry"].endswith("orders: expired")
    assert statuses["cancel"].endswith("orders: canceled")
    assert statuses["insufficient-cash rejection"].endswith("orders: rejected")


def _latency(label: str, ms: float, moved: float | None, one: float | None):
    from finbot.app._pilot_fills import LatencyRow

    return LatencyRow("c", ms, label, 10, 10, moved, one, 0.0, 1.0, 0.0, 0.0, 0.0, None)


def test_latency_fit_thresholds() -> None:
    from finbot.app._pilot import _m3

    ok = [_latency("10 ms", 10, 0.05, 0.0), _latency("1 bar", 86_400_000, 1.0, 0.95)]
    assert _m3(ok).passed is True
    assert _m3([_latency("10 ms", 10, 0.06, 0.0), ok[1]]).passed is False
    assert _m3([ok[0], _latency("1 bar", 86_400_000, 1.0, 0.94)]).passed is False
    assert _m3([ok[0], _latency("1 bar", 86_400_000, None, None)]).passed is None


def test_feature_criteria_count_unhonoured_native_probes() -> None:
    from finbot.app._pilot import _features
    from finbot.app._pilot_probes import ProbeOutcome

    def probe(name: str, core: bool, honoured: bool | None, engine: str = "nautilus-native"):
        return ProbeOutcome(name, core, engine, honoured, "")

    probes = [probe("a", True, True), probe("b", True, False, "paper")]
    probes += [probe(f"o{i}", False, False) for i in range(3)] + [probe("m", False, None)]
    assert _features("M4", "must", probes, core=True).passed is True  # paper's miss not counted
    other = _features("S6", "should", probes, core=False)
    assert other.passed is True and "3 of 4 unhonoured" in other.measured
    assert "not probed: m" in other.measured
    probes.append(probe("o3", False, False))
    assert _features("S6", "should", probes, core=False).passed is False
    assert _features("M4", "must", [probe("x", True, None)], core=True).passed is None
