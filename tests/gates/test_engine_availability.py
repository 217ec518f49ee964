"""A broken import in an engine adapter fails the tests that need it instead of skipping them.

Issue 7: one broken import in the Nautilus adapter once turned 10 golden and reference tests into
skips. Here the adapter's import is broken for real (a module of it made unimportable in
``sys.modules``, put back after the test) and ``require_engine`` must raise, not skip.
"""

from __future__ import annotations

import sys

import pytest
from engine_availability import require_engine

from finbot.contracts import EngineRunError


@pytest.mark.parametrize("engine", ["backtrader", "nautilus"])
def test_a_broken_adapter_import_is_an_error_not_a_skip(
    monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    adapter = f"finbot.engine_{engine}"
    monkeypatch.delitem(sys.modules, adapter, raising=False)
    monkeypatch.setitem(sys.modules, f"{adapter}._engine", None)
    try:
        require_engine(engine)
    except EngineRunError as exc:
        assert f"engine '{engine}' is installed but failed to import" in str(exc)
    except pytest.skip.Exception as exc:  # what it did before issue 7
        pytest.fail(f"a broken {engine} adapter was read as 'not installed': {exc}")
    else:
        pytest.fail(f"require_engine({engine!r}) built an engine whose adapter cannot import")


def test_an_absent_engine_skips_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "finbot.engine_nautilus", raising=False)
    monkeypatch.setitem(sys.modules, "nautilus_trader", None)
    with pytest.raises(pytest.skip.Exception, match="finbot-engine-nautilus is not installed"):
        require_engine("nautilus")
