"""Fixtures from ``tests/support/finbot_fakes``: the composition root wired to fakes."""

from __future__ import annotations

import pytest
from finbot_fakes import fake_wiring, isolated_registry

__all__ = ["fake_wiring", "isolated_registry"]


@pytest.fixture(autouse=True)
def _throwaway_registry(isolated_registry: None) -> None:
    """Every test here records into a throwaway registry."""
