"""A strategy's identity: its id, full parameters, class and the sha256 of its source file."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

from pydantic import BaseModel, ConfigDict, JsonValue

from finbot.contracts import Strategy, StrategySpec


class StrategyIdentity(BaseModel):
    """Which code ran: ``source_sha256`` changes whenever the strategy's module file changes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    class_path: str | None = None
    params: dict[str, JsonValue]
    source_file: str | None = None
    source_sha256: str | None = None


def strategy_identity(spec: StrategySpec, strategy: Strategy | None = None) -> StrategyIdentity:
    """Identity from the config's spec, completed from the strategy object when it is given.

    With the object, ``params`` are the validated parameters including defaults (what really ran)
    and the source file is hashed; without it, only the spec's parameters are known.
    """
    if strategy is None:
        return StrategyIdentity(id=spec.id, params=dict(spec.params))
    cls = type(strategy)
    source_file: str | None = None
    source_sha: str | None = None
    try:
        found = inspect.getsourcefile(cls)
    except (TypeError, OSError):
        found = None
    if found is not None and Path(found).is_file():
        source_file = found
        source_sha = hashlib.sha256(Path(found).read_bytes()).hexdigest()
    return StrategyIdentity(
        id=spec.id,
        class_path=f"{cls.__module__}:{cls.__qualname__}",
        params=strategy.params.model_dump(mode="json"),
        source_file=source_file,
        source_sha256=source_sha,
    )
