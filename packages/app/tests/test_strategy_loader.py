from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from finbot.app import load_strategy
from finbot.contracts import Strategy, StrategyLoadError, StrategyParams

USER_STRATEGY = """
from finbot.contracts import Strategy, StrategyParams


class Params(StrategyParams):
    lookback: int = 5


class MyStrategy(Strategy):
    strategy_id = "mine"
    Params = Params


class NotAStrategy:
    pass


VALUE = 3
"""


class Golden(Strategy):
    strategy_id = "golden_one"


GOLDEN = {"golden_one": Golden}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_golden_name_resolves() -> None:
    assert load_strategy("golden_one", golden=GOLDEN) is Golden


def test_unknown_golden_name_lists_the_known_ones() -> None:
    with pytest.raises(StrategyLoadError, match=r"unknown strategy 'nope'.*golden_one"):
        load_strategy("nope", golden=GOLDEN)


def test_py_file_without_class_gets_a_hint() -> None:
    with pytest.raises(StrategyLoadError, match=r"add ':ClassName'"):
        load_strategy("my_strategy.py", golden=GOLDEN)


def test_user_file_class_resolves_and_its_params_validate(tmp_path: Path) -> None:
    path = write(tmp_path, "user_strategy.py", USER_STRATEGY)
    cls = load_strategy(f"{path}:MyStrategy")
    assert issubclass(cls, Strategy)
    assert cls.strategy_id == "mine"
    params = cls.make_params({"lookback": 9})
    assert isinstance(params, StrategyParams)
    assert params.model_dump() == {"lookback": 9}


def test_two_files_with_the_same_name_do_not_clash(tmp_path: Path) -> None:
    first = write(tmp_path, "s.py", USER_STRATEGY)
    (tmp_path / "other").mkdir()
    second = write(
        tmp_path / "other",
        "s.py",
        "from finbot.contracts import Strategy\n"
        "class MyStrategy(Strategy):\n    strategy_id = 'two'\n",
    )
    assert load_strategy(f"{first}:MyStrategy").strategy_id == "mine"
    assert load_strategy(f"{second}:MyStrategy").strategy_id == "two"


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.py"
    with pytest.raises(StrategyLoadError, match=r"strategy file not found: .*absent\.py"):
        load_strategy(f"{missing}:MyStrategy")


def test_missing_class_lists_the_strategies_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "user_strategy.py", USER_STRATEGY)
    with pytest.raises(StrategyLoadError) as info:
        load_strategy(f"{path}:Missing")
    message = str(info.value)
    assert "no class 'Missing'" in message
    assert "MyStrategy" in message
    assert str(path) in message


@pytest.mark.parametrize("name", ["NotAStrategy", "VALUE"])
def test_non_strategy_attribute_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, "user_strategy.py", USER_STRATEGY)
    with pytest.raises(StrategyLoadError, match=f"'{name}' .* not a subclass of"):
        load_strategy(f"{path}:{name}")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "x = 1\ndef oops(:\n    pass\n")
    with pytest.raises(
        StrategyLoadError, match=r"syntax error in strategy file .*broken\.py, line 2"
    ):
        load_strategy(f"{path}:Anything")


def test_error_raised_while_importing_the_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "raises.py", "raise RuntimeError('boom at import')\n")
    with pytest.raises(StrategyLoadError, match="RuntimeError: boom at import") as info:
        load_strategy(f"{path}:Anything")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_module_reference_resolves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "userpkg_cli_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    write(package, "strategies.py", USER_STRATEGY)
    monkeypatch.syspath_prepend(str(tmp_path))
    cls = load_strategy("userpkg_cli_test.strategies:MyStrategy")
    assert cls.strategy_id == "mine"


def test_missing_module_is_named() -> None:
    with pytest.raises(StrategyLoadError, match=r"module .no_such_pkg_xyz\.mod. not found"):
        load_strategy("no_such_pkg_xyz.mod:Thing")


def test_module_whose_import_fails_inside_is_not_called_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "needs_dep_cli_test.py", "import not_installed_dep_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(StrategyLoadError, match=r"importing strategy module .*not_installed_dep"):
        load_strategy("needs_dep_cli_test:Thing")


@pytest.mark.parametrize("ref", ["", "  ", "file.py:", ":Class", "mod:not-an-identifier"])
def test_malformed_references_are_refused(ref: str) -> None:
    with pytest.raises(StrategyLoadError, match=r"strategy reference|empty strategy"):
        load_strategy(ref, golden=GOLDEN)
