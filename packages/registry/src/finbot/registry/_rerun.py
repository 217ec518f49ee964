"""Rerun a recorded run from its record and pinned snapshot alone, and explain any difference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from finbot.contracts import BacktestEngine, BacktestResult, Strategy, StrategySpec

from ._diff import field_diff
from ._environment import capture_environment
from ._errors import RegistryIntegrityError, RunStateError
from ._identity import strategy_identity
from ._record import RunStatus

if TYPE_CHECKING:
    from ._registry import Registry

EngineFactory = Callable[[str], BacktestEngine]
"""Builds the engine adapter named in the run's config (the CLI maps names to adapters)."""

StrategyLoader = Callable[[StrategySpec], Strategy]
"""Builds the strategy a config names, with its parameters (the registry imports no strategies)."""


@dataclass(frozen=True)
class RerunReport:
    """What a rerun produced and, when it differs from the record, what differs."""

    run_id: str
    recorded_hash: str
    new_hash: str
    new_result: BacktestResult
    result_fields: tuple[str, ...] = ()
    causes: tuple[str, ...] = field(default=())
    environment_changes: tuple[str, ...] = ()

    @property
    def identical(self) -> bool:
        """True when the new result's content hash equals the recorded one."""
        return self.recorded_hash == self.new_hash

    def summary(self) -> str:
        """A readable, multi-line account of the rerun."""
        if self.identical:
            lines = [f"run {self.run_id}: rerun identical (result {self.new_hash})"]
        else:
            lines = [
                f"run {self.run_id}: rerun DIFFERS: recorded result {self.recorded_hash}, "
                f"new result {self.new_hash}"
            ]
        if self.causes:
            lines.append("inputs that differ:")
            lines.extend(f"  {c}" for c in self.causes)
        if self.environment_changes:
            lines.append("environment changes since the run:")
            lines.extend(f"  {c}" for c in self.environment_changes)
        if self.result_fields:
            lines.append("result fields that differ:")
            lines.extend(f"  {f}" for f in self.result_fields)
        return "\n".join(lines)


def _package_changes(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    changes = []
    for name in sorted(set(recorded) | set(current)):
        old, new = recorded.get(name), current.get(name)
        if old != new:
            changes.append(f"package {name}: {old or '(absent)'} -> {new or '(absent)'}")
    return changes


def rerun(
    registry: Registry,
    run_id: str,
    engine_factory: EngineFactory,
    strategy_loader: StrategyLoader,
) -> RerunReport:
    """Rebuild config, strategy and data from the registry, run again, and compare results."""
    record = registry.get(run_id)
    if record.status is not RunStatus.FINISHED or record.result_hash is None:
        raise RunStateError(
            f"run {record.run_id} is {record.status.value}; only finished runs can rerun"
        )
    config = record.config
    if config.config_hash() != record.config_hash:
        raise RegistryIntegrityError(
            "config no longer parses to the recorded config hash", run_id=record.run_id
        )
    recorded = registry.load_result(record.run_id)
    data = registry.run_snapshot(record.run_id)
    strategy = strategy_loader(config.strategy)
    engine = engine_factory(config.engine)
    new = engine.run(config, strategy, data)
    if recorded.data_quality is not None and new.data_snapshot_id == recorded.data_snapshot_id:
        # The pinned snapshot is the data after the run's checks and missing-data policy, so the
        # record of those checks holds for the rerun too (the engine alone never writes it).
        new = new.model_copy(update={"data_quality": recorded.data_quality})

    causes: list[str] = []
    if new.config.config_hash() != record.config_hash:
        causes.append(
            f"config hash: {record.config_hash} -> {new.config.config_hash()}"
        )
    if new.data_snapshot_id != recorded.data_snapshot_id:
        causes.append(
            f"data snapshot: {recorded.data_snapshot_id} -> {new.data_snapshot_id}"
        )
    for key in ("name", "version", "adapter", "adapter_version"):
        old_v, new_v = getattr(recorded.engine, key), getattr(new.engine, key)
        if old_v != new_v:
            causes.append(f"engine {key}: {old_v} -> {new_v}")
    identity = strategy_identity(config.strategy, strategy)
    if identity.source_sha256 != record.strategy.source_sha256 and record.strategy.source_sha256:
        causes.append(
            f"strategy source {identity.source_file}: sha256 {record.strategy.source_sha256} -> "
            f"{identity.source_sha256}"
        )
    if identity.params != record.strategy.params and record.strategy.class_path is not None:
        causes.append(f"strategy params: {record.strategy.params} -> {identity.params}")

    env = capture_environment()
    env_changes = _package_changes(record.environment.packages, env.packages)
    if env.python != record.environment.python:
        env_changes.insert(0, f"python: {record.environment.python} -> {env.python}")

    new_hash = new.content_hash()
    fields: list[str] = []
    if new_hash != record.result_hash:
        fields = field_diff(
            recorded.model_dump(mode="json"), new.model_dump(mode="json"), whole=("metrics",)
        )
    return RerunReport(
        run_id=record.run_id,
        recorded_hash=record.result_hash,
        new_hash=new_hash,
        new_result=new,
        result_fields=tuple(fields),
        causes=tuple(causes),
        environment_changes=tuple(env_changes),
    )
