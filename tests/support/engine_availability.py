"""Skip a test, saying why, when an engine is not installed in this environment.

Only an absent engine skips (``finbot.cli.make_engine`` raises ``ConfigError`` for that alone); an
adapter that is installed but fails to import raises ``EngineRunError``, which fails the test.
In CI the skip gate (tests/support/skip_gate.py) fails the skip too.
"""

from __future__ import annotations

import pytest

from finbot.cli import make_engine
from finbot.contracts import ConfigError


def require_engine(name: str) -> None:
    """Build the engine once through the CLI's wiring; skip the calling test if it is absent."""
    try:
        make_engine(name)
    except ConfigError as exc:
        pytest.skip(f"finbot-engine-{name} is not installed ({exc})")
