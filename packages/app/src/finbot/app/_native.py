"""Which run configs carry native execution settings: only engines whose own models fill."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from finbot.contracts import ConfigError, NativeExecution, RunConfig

from . import _wiring
from ._failures import validation_problems


def native_for(
    engine: str, native: NativeExecution | Mapping[str, Any] | None
) -> NativeExecution | None:
    """The ``RunConfig.native`` a run on ``engine`` records (ADR 0025).

    An engine that honours the settings (``_wiring.NATIVE_ENGINES``) always records them, the
    defaults when none are given, so its result states what ran. Any other engine would ignore
    them, so giving them is refused rather than silently dropped.

    Raises:
        ConfigError: Settings for an engine that does not honour them, or an invalid value.
    """
    if native is not None and not isinstance(native, NativeExecution):
        try:
            native = NativeExecution.model_validate(native)
        except ValidationError as exc:
            raise ConfigError(
                f"invalid native execution settings: {validation_problems(exc)}"
            ) from exc
    if engine in _wiring.NATIVE_ENGINES:
        return native or NativeExecution()
    if native is not None:
        raise ConfigError(
            f"native execution settings ({native.describe()}) apply only to engine "
            f"{' or '.join(sorted(_wiring.NATIVE_ENGINES))} (--engine nautilus --nautilus-mode "
            f"native); this run's engine is '{engine}'"
        )
    return None


def with_native(config: RunConfig, engine: str | None = None) -> RunConfig:
    """``config`` for ``engine`` (default its own), its native settings set or dropped to fit.

    Parity runs one config on several engines: the native engine keeps (or gets the default)
    settings, every other engine runs without them.
    """
    name = engine or config.engine
    native = config.native if name in _wiring.NATIVE_ENGINES else None
    updated = config.model_copy(update={"engine": name, "native": native_for(name, native)})
    return config if updated == config else updated
