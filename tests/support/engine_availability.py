"""Skip a test, saying why, when an engine adapter cannot be built in this environment."""

from __future__ import annotations

import pytest

from finbot.cli import make_engine
from finbot.contracts import ConfigError


def require_engine(name: str) -> None:
    """Build the engine once through the CLI's wiring; skip the calling test if that fails."""
    try:
        make_engine(name)
    except ConfigError as exc:
        pytest.skip(f"finbot-engine-{name} not built yet ({exc})")
