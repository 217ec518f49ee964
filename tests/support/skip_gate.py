"""The skip gate: with ``FINBOT_STRICT_SKIPS=1`` (set by ``.ci/run``) a skip fails the test run
unless ``tests/skip_allowlist.toml`` lists it with a reason. Loaded by the root ``conftest.py``.

A skip hides a test that proves nothing; in CI, where every engine, service and the real sample
data are present, an unexpected skip is a fault (issue 7). xfails stay honest too: an xfail must
come from a strict, run ``xfail`` marker; ``pytest.xfail()`` inside a test and ``run=False`` are
skips by another name, and a non-strict xfail that passes fails.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

STRICT_ENV = "FINBOT_STRICT_SKIPS"
DEFAULT_ALLOWLIST = Path(__file__).resolve().parents[1] / "skip_allowlist.toml"
_INI = "finbot_skip_allowlist"
_ENTRY_KEYS = {"test", "reason", "message"}


@dataclass(frozen=True, slots=True)
class Allowed:
    """One allow-list entry: a node id (or fnmatch pattern) and, optionally, the skip's message."""

    test: str
    reason: str
    message: str | None = None

    def covers(self, nodeid: str, skip_message: str) -> bool:
        named = nodeid == self.test or fnmatch.fnmatchcase(nodeid, self.test)
        return named and (self.message is None or self.message in skip_message)


def load_allowlist(path: Path) -> tuple[Allowed, ...]:
    """The entries of an allow-list file; a malformed file is a usage error naming the entry."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise pytest.UsageError(f"skip allow-list {path}: {exc}") from exc
    entries = []
    for k, raw in enumerate(data.get("skip", [])):
        where = f"skip allow-list {path}, entry {k + 1}"
        unknown = set(raw) - _ENTRY_KEYS
        if unknown:
            raise pytest.UsageError(f"{where}: unknown key(s) {sorted(unknown)}")
        if not str(raw.get("test", "")).strip() or not str(raw.get("reason", "")).strip():
            raise pytest.UsageError(f"{where}: needs a non-empty 'test' and 'reason'")
        entries.append(Allowed(raw["test"], raw["reason"], raw.get("message")))
    return tuple(entries)


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(_INI, f"skip allow-list file (default {DEFAULT_ALLOWLIST})", default="")


def pytest_configure(config: pytest.Config) -> None:
    if not strict():
        return
    path = Path(config.getini(_INI) or DEFAULT_ALLOWLIST)
    path = path if path.is_absolute() else config.rootpath / path
    config.stash[_GATE] = _Gate(path, load_allowlist(path))


class _Gate:
    def __init__(self, path: Path, allowed: tuple[Allowed, ...]) -> None:
        self.path = path
        self.allowed = allowed
        self.kept: list[str] = []
        self.failed: list[str] = []
        self.used: set[Allowed] = set()

    def judge(self, report: pytest.TestReport | pytest.CollectReport, why: str | None) -> None:
        """Turn ``report`` into a failure when it hides a test; ``why`` names how, or None."""
        if why is None:
            return
        message = _skip_message(report)
        covering = [a for a in self.allowed if a.covers(report.nodeid, message)]
        if report.skipped and covering:
            self.kept.append(report.nodeid)
            self.used.update(covering)
            return
        self.failed.append(report.nodeid)
        report.outcome = "failed"
        if hasattr(report, "wasxfail"):
            del report.wasxfail
        report.longrepr = (
            f"{why} under {STRICT_ENV}=1 (CI): {message or '(no reason given)'}\n"
            f"Make the test run here (install or start what it needs), or, if skipping it in CI "
            f"is right, add an entry with its reason to {self.path}."
        )


_GATE = pytest.StashKey[_Gate]()


def _skip_message(report: pytest.TestReport | pytest.CollectReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return getattr(report, "wasxfail", "") or str(report.longrepr or "")


def _hidden(call: pytest.CallInfo[None], report: pytest.TestReport) -> str | None:
    """How ``report`` hides the test's real outcome, or None when it does not."""
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is None:
        return "skipped" if report.skipped else None
    if report.skipped and wasxfail.startswith("[NOTRUN]"):
        return "xfail(run=False) never ran"
    if call.excinfo is not None and call.excinfo.errisinstance(pytest.xfail.Exception):
        return "pytest.xfail() called"
    if report.passed:
        return "a non-strict xfail passed (XPASS)"
    return None


# tryfirst makes these wrappers the outermost, so they judge the report after pytest's own
# skipping plugin has turned xfail exceptions into outcomes.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> pytest.TestReport:
    report: pytest.TestReport = yield
    gate = item.config.stash.get(_GATE, None)
    if gate is not None:
        gate.judge(report, _hidden(call, report))
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport:
    report: pytest.CollectReport = yield
    gate = collector.config.stash.get(_GATE, None)
    if gate is not None and report.skipped:
        gate.judge(report, "skipped at collection")
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    gate = terminalreporter.config.stash.get(_GATE, None)
    if gate is None:
        return
    terminalreporter.write_line(
        f"skip gate ({STRICT_ENV}=1): {len(gate.kept)} skip(s) allowed by {gate.path}, "
        f"{len(gate.failed)} turned into failures"
    )
    # Not a failure: a run of a few tests need not meet every listed skip. In a full CI run, an
    # entry listed here allows nothing any more and should be removed.
    for entry in gate.allowed:
        if entry not in gate.used:
            unused = f"skip gate: allow-list entry {entry.test!r} matched no skip"
            terminalreporter.write_line(unused)
