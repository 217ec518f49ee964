"""The golden-master cases (strategy x engine x fill policy), how each runs and how drift reads.

Shared by ``test_golden_masters.py`` (which only compares) and ``regenerate.py`` (the one command
that writes masters). See README.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finbot.cli import make_config, make_engine, run_backtest
from finbot.contracts import (
    BacktestResult,
    ConfigError,
    FillPolicy,
    ResultSchemaError,
    RunConfig,
    canonical_json,
)
from finbot.parity import EXACT, compare_results
from finbot.strategies import GOLDEN_STRATEGIES

MASTERS_DIR = Path(__file__).parent / "masters"
ENGINES = ("backtrader", "nautilus")
POLICIES = (FillPolicy.NEXT_OPEN, FillPolicy.THIS_CLOSE)
# Non-zero costs so a master also pins commission arithmetic and cent rounding (0.005/share rounds
# half up). No slippage: the Nautilus adapter refuses slippage_bps > 0 (ADR 0007).
COSTS = {"commission_bps": 5.0, "commission_per_share": 0.005}
REGENERATE = "uv run python tests/golden/regenerate.py"


@dataclass(frozen=True, slots=True)
class MasterCase:
    """One frozen result: a golden strategy on the golden dataset, one engine, one policy."""

    strategy: str
    engine: str
    policy: FillPolicy

    @property
    def id(self) -> str:
        return f"{self.strategy}-{self.engine}-{self.policy.value}"

    @property
    def path(self) -> Path:
        return MASTERS_DIR / f"{self.strategy}__{self.engine}__{self.policy.value}.json"

    def config(self) -> RunConfig:
        return make_config(
            strategy=self.strategy, engine=self.engine, fill_policy=self.policy, **COSTS
        )

    def run(self) -> BacktestResult:
        return run_backtest(self.config())


def cases(engines: tuple[str, ...] = ENGINES) -> list[MasterCase]:
    """Every master case, in a stable order."""
    return [
        MasterCase(strategy, engine, policy)
        for strategy in GOLDEN_STRATEGIES
        for engine in engines
        for policy in POLICIES
    ]


def engine_missing(name: str) -> str | None:
    """Why an engine cannot run here (its adapter is not installed), or None when it can."""
    try:
        make_engine(name)
    except ConfigError as exc:
        return str(exc)
    return None


def dump(result: BacktestResult) -> str:
    """A master file's text: the canonical JSON, pretty-printed so a drift reads as a git diff."""
    return json.dumps(json.loads(result.to_json()), indent=1, sort_keys=True) + "\n"


def load(case: MasterCase) -> BacktestResult:
    """The frozen result of a case, read through the current model (for parity comparisons)."""
    return BacktestResult.from_json(case.path.read_text())


def master_drift(case: MasterCase, rerun: BacktestResult) -> str | None:
    """How ``rerun`` differs from the case's frozen file, byte for byte, or None when it does not.

    The file is compared as raw text, never read through the current model first: that would fill
    in a field added since the master was frozen from its default, so a stored-format change (which
    ADR 0004 says must bump the schema version) would pass unnoticed (issue 7).
    """
    frozen = case.path.read_text()
    if dump(rerun) == frozen:
        return None
    return drift_message(case, frozen, rerun)


def file_hash(case: MasterCase) -> str:
    """sha256 of the master file's canonical JSON: its result's content hash, read raw."""
    return hashlib.sha256(canonical_json(json.loads(case.path.read_text())).encode()).hexdigest()


def _json_paths_that_differ(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths where two parsed JSON documents differ (a key on one side only, or a value)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(old.keys() | new.keys()):
            where = f"{path}.{key}" if path else key
            if key not in new:
                found.append(f"{where} (only in the master)")
            elif key not in old:
                found.append(f"{where} (only in the rerun)")
            else:
                found.extend(_json_paths_that_differ(old[key], new[key], where))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return [p for k, (a, b) in pairs for p in _json_paths_that_differ(a, b, f"{path}[{k}]")]
    same = type(old) is type(new) and old == new  # 1 and 1.0 are different stored forms
    return [] if same else [path or "(the whole document)"]


def drift_message(case: MasterCase, frozen: str, rerun: BacktestResult) -> str:
    """What changed between a master file and a rerun, parity-style, plus how to accept it."""
    old, new = json.loads(frozen), json.loads(rerun.to_json())
    lines = [
        f"{case.id} drifted from its golden master {case.path.name}",
        f"  master hash {file_hash(case)}",
        f"  rerun hash  {rerun.content_hash()}",
    ]
    paths = _json_paths_that_differ(old, new)
    fields = sorted({re.split(r"[.\[ ]", p)[0] for p in paths})
    lines.append(f"  fields that differ: {', '.join(fields) or '(none: formatting only)'}")
    # Orders and fills are shown below as their first divergence, parity-style.
    others = [p for p in paths if not p.startswith(("fills", "orders"))]
    lines.extend(f"  - {p}" for p in others[:10])
    if len(others) > 10:
        lines.append(f"  - ... and {len(others) - 10} more")
    try:
        master = BacktestResult.from_json(frozen)
    except ResultSchemaError as exc:
        lines.append(f"  the master no longer reads as a current result: {exc}")
        return "\n".join([*lines, _regenerate_hint(case)])
    report = compare_results(master, rerun, EXACT)
    lines.extend(f"  - {breach}" for breach in report.breaches)
    for kind, div in (
        ("order", report.first_order_divergence),
        ("fill", report.first_fill_divergence),
    ):
        if div is not None:
            lines.append(f"  first diverging {kind} #{div.index} ({div.field}):")
            lines.append(f"    master: {div.left}")
            lines.append(f"    rerun:  {div.right}")
    return "\n".join([*lines, _regenerate_hint(case)])


def _regenerate_hint(case: MasterCase) -> str:
    return (
        f"  If the change is intended, regenerate explicitly: {REGENERATE} --engine {case.engine} "
        f"--strategy {case.strategy}, and explain the drift in the commit message."
    )
