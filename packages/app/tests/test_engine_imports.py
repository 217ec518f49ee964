"""Only an absent engine reads as "not installed"; a broken import fails loudly (issue 7).

The imports are broken for real (``sys.modules`` entries set to ``None``, a missing name or
submodule of the installed engine), then the composition root's Backtrader factory is asked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from finbot.app import _wiring, make_engine
from finbot.contracts import ConfigError, EngineRunError

ADAPTER = "finbot.engine_backtrader"


def _reimport_adapter_with(monkeypatch: pytest.MonkeyPatch, blocked: str) -> None:
    """Make the next ``import finbot.engine_backtrader`` run again, with ``blocked`` unimportable.

    monkeypatch puts every original ``sys.modules`` entry back after the test.
    """
    monkeypatch.delitem(sys.modules, ADAPTER, raising=False)
    monkeypatch.setitem(sys.modules, blocked, None)


def test_the_engine_sdk_absent_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    _reimport_adapter_with(monkeypatch, "backtrader")
    with pytest.raises(ConfigError, match=r"'backtrader' is not installed.*needs backtrader"):
        make_engine("backtrader")


def test_the_adapter_package_absent_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, ADAPTER, None)
    with pytest.raises(ConfigError, match=r"not installed.*pip install finbot-engine-backtrader"):
        make_engine("backtrader")


def test_a_broken_module_inside_the_adapter_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _reimport_adapter_with(monkeypatch, f"{ADAPTER}._engine")
    with pytest.raises(EngineRunError, match=r"installed but failed to import.*_engine"):
        make_engine("backtrader")


def _missing_name() -> None:
    from backtrader import NoSuchThing  # type: ignore[attr-defined]  # noqa: F401


def _missing_submodule() -> None:
    import backtrader.no_such_submodule  # type: ignore[import-not-found]  # noqa: F401


def _missing_dependency() -> None:
    raise ModuleNotFoundError("No module named 'numpy'", name="numpy")


@pytest.mark.parametrize("factory", [_missing_name, _missing_submodule, _missing_dependency])
def test_a_broken_import_inside_the_engine_is_an_error(
    monkeypatch: pytest.MonkeyPatch, factory: Callable[[], None]
) -> None:
    monkeypatch.setitem(
        _wiring.ENGINES, "backtrader", (lambda verbose: factory(), "finbot-engine-backtrader")
    )
    with pytest.raises(EngineRunError, match="installed but failed to import"):
        make_engine("backtrader")


def test_an_engine_with_no_listed_packages_is_never_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def factory(verbose: bool) -> None:
        raise ModuleNotFoundError("No module named 'finbot.engine_x'", name="finbot.engine_x")

    monkeypatch.setitem(_wiring.ENGINES, "unlisted", (factory, "finbot-engine-x"))
    with pytest.raises(EngineRunError):
        make_engine("unlisted")
