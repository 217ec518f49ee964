"""`finbot pilot evaluate`: measure the NautilusTrader pilot and apply ADR 0026's go/no-go rule."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import _pilot_costs, _pilot_fills, _pilot_install, _pilot_probes
from . import _pilot_criteria as crit
from ._pilot_criteria import Criterion

NAUTILUS_SDK = "nautilus_trader"
NAUTILUS_ADAPTER = "finbot.engine_nautilus"
BACKTRADER_ADAPTER = "finbot.engine_backtrader"
FULL_BARS = 25_200


@dataclass(frozen=True, slots=True)
class PilotSettings:
    """What one evaluation measures; ``quick`` (one case, for tests) decides nothing."""

    samples: Path
    bars: int = FULL_BARS
    repeat: int = 3
    online: bool = True
    quick: bool = False


@dataclass(frozen=True, slots=True)
class PilotReport:
    """Everything one `finbot pilot evaluate` measured, the criteria and the decision."""

    settings: PilotSettings
    started: datetime
    seconds: float
    machine: str
    fills: tuple[_pilot_fills.FillRow, ...]
    latency: tuple[_pilot_fills.LatencyRow, ...]
    probes: tuple[_pilot_probes.ProbeOutcome, ...]
    throughput: tuple[_pilot_costs.Throughput, ...]
    processes: tuple[_pilot_costs.ProcessCost, ...]
    footprints: tuple[_pilot_install.Footprint, ...]
    sizes: tuple[_pilot_install.AdapterSize, ...]
    surface: tuple[str, ...]
    releases: _pilot_install.Releases
    criteria: tuple[Criterion, ...]

    @property
    def decision(self) -> str:
        """ADR 0026's outcome; a quick run measures too little to decide anything."""
        return "none (quick run)" if self.settings.quick else crit.decide(self.criteria)


def evaluate_pilot(
    settings: PilotSettings, *, progress: Callable[[str], None] = lambda _: None
) -> PilotReport:
    """Run every measurement of ADR 0026 and judge each criterion.

    Raises:
        ConfigError: The real sample files are missing, or an engine is not installed.
    """
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    cases = _pilot_fills.pilot_cases(settings.samples)
    if settings.quick:  # golden strategy 1 on the golden data only
        cases = cases[:1]
    latency_cases = tuple(c for c in cases if c.strategy == _pilot_fills.GOLDEN[0])
    fills = _pilot_fills.fill_realism(cases, progress=progress)
    latency = _pilot_fills.latency_sweep(latency_cases, progress=progress)
    probes = _pilot_probes.run_probes(progress=progress)
    throughput = _pilot_costs.throughput(settings.bars, settings.repeat, progress=progress)
    processes = _pilot_costs.process_costs(settings.bars, settings.repeat, progress=progress)
    progress("install footprint, adapter size, releases")
    footprints = (_pilot_install.footprint(NAUTILUS_SDK), _pilot_install.footprint("backtrader"))
    sizes = (
        _pilot_install.adapter_size(NAUTILUS_ADAPTER),
        _pilot_install.adapter_size(BACKTRADER_ADAPTER),
    )
    surface = _pilot_install.import_surface(NAUTILUS_ADAPTER, NAUTILUS_SDK)
    releases = _pilot_install.releases(NAUTILUS_SDK, online=settings.online)
    criteria = judge(
        fills=fills,
        latency=latency,
        probes=probes,
        throughput=throughput,
        processes=processes,
        footprint=footprints[0],
        sizes=sizes,
        surface=surface,
        releases=releases,
    )
    return PilotReport(
        settings,
        started,
        time.perf_counter() - t0,
        _machine(),
        fills,
        latency,
        probes,
        throughput,
        processes,
        footprints,
        sizes,
        surface,
        releases,
        criteria,
    )


def _machine() -> str:
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {load} (at the end)"
    )


def _by_engine(rows: Sequence[_pilot_costs.Throughput]) -> dict[str, _pilot_costs.Throughput]:
    return {r.engine: r for r in rows}


def judge(
    *,
    fills: Sequence[_pilot_fills.FillRow],
    latency: Sequence[_pilot_fills.LatencyRow],
    probes: Sequence[_pilot_probes.ProbeOutcome],
    throughput: Sequence[_pilot_costs.Throughput],
    processes: Sequence[_pilot_costs.ProcessCost],
    footprint: _pilot_install.Footprint,
    sizes: Sequence[_pilot_install.AdapterSize],
    surface: Sequence[str],
    releases: _pilot_install.Releases,
) -> tuple[Criterion, ...]:
    """Each ADR 0026 criterion from the measurements (thresholds in ``_pilot_criteria``)."""
    startup, memory = _s2_s3(processes)
    return (
        _m1(fills),
        _m2(fills, latency),
        _m3(latency),
        _features("M4", "must", probes, core=True),
        _s1(throughput),
        startup,
        memory,
        Criterion(
            "S4",
            "should",
            "Install footprint of nautilus_trader and what only it pulls in",
            f"<= {crit.S4_FOOTPRINT_MIB:g} MiB",
            f"{footprint.size_bytes / 2**20:,.0f} MiB ({', '.join(footprint.distributions)})",
            footprint.size_bytes / 2**20 <= crit.S4_FOOTPRINT_MIB,
        ),
        _s5(sizes),
        _features("S6", "should", probes, core=False),
        _s7(surface, releases),
    )


def _m1(rows: Sequence[_pilot_fills.FillRow]) -> Criterion:
    native = [r for r in rows if r.engine == _pilot_fills.NATIVE and r.policy == "this_close"]
    title = "Fill realism: native vs Backtrader under this_close, every case"
    threshold = (
        f"mean |diff| <= {crit.M1_MEAN_ABS_BP:g} bp, max <= {crit.M1_MAX_ABS_BP:g} bp, "
        f"one-sided fills <= {crit.M1_ONLY_ONE_SIDE_SHARE:.0%}"
    )
    failed = [r.case for r in native if r.report is None]
    reports = [r.report for r in native if r.report is not None]
    if not reports:
        return Criterion("M1", "must", title, threshold, "no native run completed", None)
    worst_mean = max(r.mean_abs_price_bp for r in reports)
    worst_max = max(r.max_abs_price_bp for r in reports)
    one_sided = max(
        (r.only_left + r.only_right) / max(len(r.fills) - r.only_right, 1) for r in reports
    )
    ok = (
        not failed
        and worst_mean <= crit.M1_MEAN_ABS_BP
        and worst_max <= crit.M1_MAX_ABS_BP
        and one_sided <= crit.M1_ONLY_ONE_SIDE_SHARE
    )
    measured = (
        f"worst case: mean {worst_mean:.2f} bp, max {worst_max:.2f} bp, one-sided "
        f"{one_sided:.1%} over {len(reports)} cases"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return Criterion("M1", "must", title, threshold, measured, ok)


def _m2(
    fills: Sequence[_pilot_fills.FillRow], latency: Sequence[_pilot_fills.LatencyRow]
) -> Criterion:
    runs = [r.error for r in fills if r.engine == _pilot_fills.NATIVE] + [r.error for r in latency]
    errors = [e for e in runs if e]
    measured = f"{len(errors)} of {len(runs)} native runs failed" + (
        f" (first: {errors[0][:160]})" if errors else ""
    )
    return Criterion("M2", "must", "Native runs complete", "0 failures", measured, not errors)


def _m3(rows: Sequence[_pilot_fills.LatencyRow]) -> Criterion:
    sub = [r for r in rows if r.label != "1 bar" and r.latency_ms > 0]
    bar = [r for r in rows if r.label == "1 bar"]
    threshold = (
        f"10 ms-1 s: <= {crit.M3_SUB_BAR_MOVED_SHARE:.0%} of fills a bar later; "
        f"1 bar: >= {crit.M3_ONE_BAR_SHARE:.0%} exactly one bar later"
    )
    title = "Latency fit (native, golden strategy 1, daily cases)"
    moved = [r.moved_share for r in sub]
    one = [r.one_bar_share for r in bar]
    if not sub or not bar or any(v is None for v in moved + one):
        return Criterion(
            "M3", "must", title, threshold, "a latency run failed or had no fills", None
        )
    worst_moved = max(v for v in moved if v is not None)
    worst_one = min(v for v in one if v is not None)
    ok = worst_moved <= crit.M3_SUB_BAR_MOVED_SHARE and worst_one >= crit.M3_ONE_BAR_SHARE
    measured = (
        f"sub-bar latency moved up to {worst_moved:.0%} of fills a bar later; one bar moved "
        f"at least {worst_one:.0%} exactly one bar"
    )
    return Criterion("M3", "must", title, threshold, measured, ok)


def _features(
    code: str, kind: crit.Kind, probes: Sequence[_pilot_probes.ProbeOutcome], *, core: bool
) -> Criterion:
    native = [p for p in probes if p.engine == _pilot_fills.NATIVE and p.core is core]
    unhonoured = [p.probe for p in native if p.honoured is False]
    unprobed = [p.probe for p in native if p.honoured is None]
    limit = 0 if core else crit.S6_MAX_UNHONOURED
    title = "Core contract features (native)" if core else "Other contract features (native)"
    measured = f"{len(unhonoured)} of {len(native)} unhonoured" + (
        f": {', '.join(unhonoured)}" if unhonoured else ""
    )
    if unprobed:
        measured += f"; not probed: {', '.join(unprobed)}"
    passed: bool | None = len(unhonoured) <= limit
    if core and unprobed:
        passed = None if passed else False
    return Criterion(code, kind, title, f"<= {limit} unhonoured", measured, passed)


def _s1(rows: Sequence[_pilot_costs.Throughput]) -> Criterion:
    by = _by_engine(rows)
    native, bt = by[_pilot_fills.NATIVE], by["backtrader"]
    ratio = native.bars_per_s / bt.bars_per_s
    return Criterion(
        "S1",
        "should",
        f"Throughput, native / Backtrader bars/s ({native.bars:,} daily bars)",
        f">= {crit.S1_THROUGHPUT_RATIO:g}",
        f"{ratio:.2f} ({native.bars_per_s:,.0f} vs {bt.bars_per_s:,.0f} bars/s)",
        ratio >= crit.S1_THROUGHPUT_RATIO,
    )


def _s2_s3(rows: Sequence[_pilot_costs.ProcessCost]) -> tuple[Criterion, Criterion]:
    by = {r.engine: r for r in rows}
    native, bt = by[_pilot_fills.NATIVE], by["backtrader"]
    startup = native.startup_wall_s / bt.startup_wall_s
    memory = native.bytes_per_bar / bt.bytes_per_bar if bt.bytes_per_bar > 0 else None
    return (
        Criterion(
            "S2",
            "should",
            "Start-up: fresh process, golden strategy 1 on golden data, native / Backtrader",
            f"<= {crit.S2_STARTUP_RATIO:g}",
            f"{startup:.2f} ({native.startup_wall_s:.2f} s vs {bt.startup_wall_s:.2f} s)",
            startup <= crit.S2_STARTUP_RATIO,
        ),
        Criterion(
            "S3",
            "should",
            f"Memory per bar: peak RSS growth of a run ({native.bars:,} bars), native / Backtrader",
            f"<= {crit.S3_MEMORY_RATIO:g}",
            "Backtrader's run grew no RSS: no ratio"
            if memory is None
            else f"{memory:.2f} ({native.bytes_per_bar:,.0f} vs {bt.bytes_per_bar:,.0f} B/bar)",
            None if memory is None else memory <= crit.S3_MEMORY_RATIO,
        ),
    )


def _s5(sizes: Sequence[_pilot_install.AdapterSize]) -> Criterion:
    nautilus, backtrader = sizes
    ratio = nautilus.lines / backtrader.lines
    return Criterion(
        "S5",
        "should",
        "Adapter size: engine-nautilus / engine-backtrader source lines",
        f"<= {crit.S5_ADAPTER_SIZE_RATIO:g}",
        f"{ratio:.2f} ({nautilus.lines:,} vs {backtrader.lines:,} lines)",
        ratio <= crit.S5_ADAPTER_SIZE_RATIO,
    )


def _s7(surface: Sequence[str], releases: _pilot_install.Releases) -> Criterion:
    supports = releases.latest_supports(crit.S7_PROJECT_PYTHON)
    threshold = (
        f"newest release installs on Python {crit.S7_PROJECT_PYTHON}; import surface "
        f"<= {crit.S7_MAX_IMPORT_SURFACE} names"
    )
    measured = (
        f"installed {releases.installed}; newest {releases.latest or '?'} requires Python "
        f"{releases.latest_requires_python or '?'}; {len(surface)} nautilus_trader names imported"
    )
    if releases.error:
        measured += f"; {releases.error}"
    passed = None if supports is None else supports and len(surface) <= crit.S7_MAX_IMPORT_SURFACE
    return Criterion("S7", "should", "Migration risk", threshold, measured, passed)
