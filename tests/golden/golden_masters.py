"""The golden-master cases (strategy x engine x fill policy), how each runs and how drift reads.

Shared by ``test_golden_masters.py`` (which only compares) and ``regenerate.py`` (the one command
that writes masters). See README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from finbot.cli import make_config, make_engine, run_backtest
from finbot.contracts import BacktestResult, ConfigError, FillPolicy, RunConfig
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
    """The frozen result of a case."""
    return BacktestResult.from_json(case.path.read_text())


def drift_message(case: MasterCase, master: BacktestResult, rerun: BacktestResult) -> str:
    """What changed between a master and a rerun, parity-style, plus how to accept the change."""
    lines = [
        f"{case.id} drifted from its golden master {case.path.name}",
        f"  master hash {master.content_hash()}",
        f"  rerun hash  {rerun.content_hash()}",
    ]
    old, new = master.model_dump(mode="json"), rerun.model_dump(mode="json")
    changed = [field for field in old if old[field] != new.get(field)]
    lines.append(f"  fields that differ: {', '.join(changed) or '(none: field order only)'}")
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
    lines.append(
        f"  If the change is intended, regenerate explicitly: {REGENERATE} --engine {case.engine} "
        f"--strategy {case.strategy}, and explain the drift in the commit message."
    )
    return "\n".join(lines)
