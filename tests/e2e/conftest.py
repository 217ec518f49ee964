"""End-to-end runs record into a throwaway registry, never the checkout's ./.finbot."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Session-scoped (module fixtures run the CLI too) and in os.environ so subprocesses inherit it.
    previous = os.environ.get("FINBOT_REGISTRY")
    os.environ["FINBOT_REGISTRY"] = str(tmp_path_factory.mktemp("registry"))
    yield
    if previous is None:
        os.environ.pop("FINBOT_REGISTRY", None)
    else:
        os.environ["FINBOT_REGISTRY"] = previous
