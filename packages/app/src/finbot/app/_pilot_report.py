"""The pilot evaluation as one markdown report, and the same report as a standalone HTML page."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import _pilot_criteria as crit
from ._pilot import PilotReport
from ._pilot_fills import FillRow, LatencyRow

MARKDOWN_FILE = "pilot-report.md"
HTML_FILE = "pilot-report.html"


def _table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _f(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def _fill_cells(r: FillRow) -> list[object]:
    d = r.report
    if d is None or r.error:
        return [r.case, r.policy, r.engine, "-", "-", "-", "-", "-", "-", "-", "-", r.error or ""]
    return [
        r.case,
        r.policy,
        r.engine,
        r.fills,
        len(d.matched),
        _f(d.mean_abs_price_bp),
        _f(d.max_abs_price_bp),
        _f(d.mean_cost_bp),
        f"{d.only_left} / {d.only_right}",
        _f(r.at_open, ".0%"),
        _f(r.at_close, ".0%"),
        f"{r.final_equity:,.2f}" if r.final_equity is not None else "-",
    ]


def _latency_cells(r: LatencyRow) -> list[object]:
    return [
        r.case,
        r.label,
        r.fills if r.fills is not None else "-",
        r.paired,
        _f(r.moved_share, ".0%"),
        _f(r.one_bar_share, ".0%"),
        _f(r.at_open, ".0%"),
        _f(r.at_close, ".0%"),
        _f(r.mean_cost_bp),
        _f(r.total_return, ".2%"),
        _f(r.sharpe),
        r.error or "",
    ]


def render_markdown(report: PilotReport) -> str:
    """The whole evaluation: criteria and decision first, then every measurement behind them."""
    s = report.settings
    out = [
        "# NautilusTrader pilot evaluation (issue 12)",
        "",
        f"Run {report.started:%Y-%m-%d %H:%M} UTC, {report.seconds:,.0f} s, on {report.machine}. "
        f"Throughput and memory on {s.bars:,} synthetic daily bars, best of {s.repeat} runs; "
        f"start-up the median of {s.repeat} fresh processes. Criteria: ADR 0026 "
        "(docs/adr/0026-nautilus-pilot-go-no-go-criteria.md), fixed before this measurement.",
        "",
    ]
    if s.quick:
        out += ["**Quick run**: a reduced scope for checking the command; not ADR 0026's.", ""]
    failed_should = sum(c.passed is not True for c in report.criteria if c.kind == "should")
    out += [
        f"## Decision: **{report.decision}**",
        "",
        f"Rule (ADR 0026): go when every must passes and at most {crit.MAX_SHOULD_FAILURES} "
        f"shoulds fail. Musts failed: "
        f"{sum(c.passed is not True for c in report.criteria if c.kind == 'must')}; "
        f"shoulds failed: {failed_should}. A criterion not measured counts as failed.",
        "",
    ]
    out += _table(
        ("", "kind", "criterion", "threshold", "measured", "verdict"),
        (
            (c.code, c.kind, c.title, c.threshold, c.measured, f"**{c.verdict}**")
            for c in report.criteria
        ),
    )
    out += [
        "## Fill realism, side by side",
        "",
        "Each engine against Backtrader (the baseline), fills paired by the strategy decision "
        "they execute (`finbot.parity.fill_differences`). bp are (engine - Backtrader) / "
        "Backtrader; cost bp is positive when the engine's trader paid more. 'at open' / 'at "
        "close': the share of the engine's fills priced at their bar's open or close, which "
        "explains most differences: under `next_open` Backtrader, sim and paper fill market "
        "orders at the next bar's open, Nautilus native at the submission bar's close (its bar "
        "execution without latency). Commission 10 bp. Nautilus native runs with "
        f"{_native_defaults()} unless a section says otherwise (ADR 0025).",
        "",
    ]
    out += _table(
        (
            "case",
            "policy",
            "engine",
            "fills",
            "paired",
            "mean abs bp",
            "max abs bp",
            "mean cost bp",
            "only Backtrader / only engine",
            "at open",
            "at close",
            "final equity",
        ),
        (_fill_cells(r) for r in report.fills),
    )
    out += [
        "## Results as simulated latency grows (Nautilus native)",
        "",
        "Nautilus's `LatencyModel(base_latency)` on every order message; `fill_policy` "
        "this_close; each row against the same engine without latency. 'a bar later': paired "
        "fills that filled on a later bar; 'one bar': exactly the next bar; 'at open' / 'at "
        "close': where in its bar each fill was priced. On daily bars an order sent at a close "
        "with any latency can at best reach the next session's open; Nautilus's bar execution "
        "fills it at that bar's close instead (ADR 0019).",
        "",
    ]
    out += _table(
        (
            "case",
            "latency",
            "fills",
            "paired",
            "a bar later",
            "one bar",
            "at open",
            "at close",
            "mean cost bp",
            "total return",
            "Sharpe",
            "error",
        ),
        (_latency_cells(r) for r in report.latency),
    )
    out += [
        "## Contract features each engine cannot honour",
        "",
        "One scripted run per feature on six hand-made daily bars (this_close, 10 bp), "
        "compared with `sim` (the contract's reference broker, ADR 0010): fills (side, "
        "quantity, price, bar), each order's final status and the commission must be equal.",
        "",
    ]
    engines = list(dict.fromkeys(p.engine for p in report.probes))
    names = list(dict.fromkeys(p.probe for p in report.probes))
    core = {p.probe: p.core for p in report.probes}
    by = {(p.probe, p.engine): p for p in report.probes}
    out += _table(
        ("feature", "core (M4)", *engines),
        (
            (
                name,
                "yes" if core[name] else "no",
                *(_probe_cell(by[(name, e)].honoured, by[(name, e)].detail) for e in engines),
            )
            for name in names
        ),
    )
    out += _costs_section(report)
    return "\n".join(out)


def _native_defaults() -> str:
    from finbot.contracts import NativeExecution

    fields = NativeExecution().model_dump(mode="json")
    return ", ".join(f"`{k}={v}`" for k, v in fields.items())


def _probe_cell(honoured: bool | None, detail: str) -> str:
    mark = {True: "honoured", False: "**not honoured**", None: "not probed"}[honoured]
    return f"{mark}: {detail}"


def _costs_section(report: PilotReport) -> list[str]:
    out = ["## Throughput, start-up and memory per bar", ""]
    procs = {p.engine: p for p in report.processes}
    out += _table(
        (
            "engine",
            "bars/s (best wall)",
            "best wall s",
            "best CPU s",
            "start-up wall s (median)",
            "peak RSS growth / bar",
        ),
        (
            (
                t.engine,
                f"{t.bars_per_s:,.0f}",
                f"{t.best_wall_s:.3f}",
                f"{t.best_cpu_s:.3f}",
                f"{procs[t.engine].startup_wall_s:.2f}" if t.engine in procs else "-",
                f"{procs[t.engine].bytes_per_bar:,.0f} B" if t.engine in procs else "-",
            )
            for t in report.throughput
        ),
    )
    out += [
        "Start-up: a fresh `python` that imports finbot.app, builds the engine and runs golden "
        "strategy 1 on the golden data (whole process wall time). Memory: peak RSS of a fresh "
        "process during one run minus its RSS just before (peak reset through "
        "/proc/self/clear_refs, after a warm-up run, so imports are not counted).",
        "",
        "## Install footprint and adapter size",
        "",
    ]
    out += _table(
        ("engine SDK", "distributions only it pulls in", "size on disk"),
        (
            (f.root, ", ".join(f.distributions), f"{f.size_bytes / 2**20:,.1f} MiB")
            for f in report.footprints
        ),
    )
    out += _table(
        ("adapter", "files", "source lines (non-blank, non-comment)"),
        ((a.package, a.files, f"{a.lines:,}") for a in report.sizes),
    )
    r = report.releases
    out += [
        "## nautilus_trader v1 -> v2 migration risk",
        "",
        f"- Installed: {r.installed} (Requires-Python {r.installed_requires_python or '?'}).",
        f"- Newest release on PyPI: {r.latest or '?'} (Requires-Python "
        f"{r.latest_requires_python or '?'}); releases newer than the installed one: "
        f"{'?' if r.newer_releases is None else r.newer_releases}.",
        "- Releases with major version 2 on PyPI: "
        + (
            "?"
            if r.major_2_releases is None
            else (", ".join(r.major_2_releases) or "none (v2 is not released)")
        )
        + ".",
        f"- The adapter imports {len(report.surface)} nautilus_trader names "
        "(each is a place a v2 API change can break):",
        "",
        *(f"  - `{name}`" for name in report.surface),
        "",
    ]
    if r.error:
        out += [f"PyPI was not consulted: {r.error}.", ""]
    return out


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
"""


def render_html(markdown: str) -> str:
    """The markdown report as a standalone page (markdown-it-py, tables on; no script)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    title = html.escape(markdown.splitlines()[0].lstrip("# "))
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>\n{body}</body></html>\n"
    )


def write_pilot_report(report: PilotReport, out_dir: Path) -> tuple[Path, Path]:
    """Write the markdown and HTML reports into ``out_dir`` (created); returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(report)
    md_path, html_path = out_dir / MARKDOWN_FILE, out_dir / HTML_FILE
    md_path.write_text(markdown + "\n", encoding="utf-8")
    html_path.write_text(render_html(markdown), encoding="utf-8")
    return md_path, html_path
