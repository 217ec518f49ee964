"""Resolve a strategy reference (golden name, ``file.py:Class``, ``module:Class``) to a class."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from finbot.contracts import Strategy, StrategyLoadError

FORMS_HINT = "a golden strategy name, path/to/file.py:ClassName or package.module:ClassName"


def load_strategy(
    ref: str, *, golden: Mapping[str, type[Strategy]] | None = None
) -> type[Strategy]:
    """Resolve ``ref`` to a ``finbot.contracts.Strategy`` subclass.

    Args:
        ref: A golden strategy name (a key of ``golden``), ``path/to/file.py:ClassName``, or
            ``package.module:ClassName``.
        golden: The golden strategies by name; looked up lazily from ``finbot.strategies`` when
            omitted.

    Returns:
        The strategy class (not an instance).

    Raises:
        StrategyLoadError: The reference is malformed, the file or module is missing or fails to
            import, the class is missing, or it is not a ``Strategy`` subclass.
    """
    ref = ref.strip()
    if not ref:
        raise StrategyLoadError(f"empty strategy reference; give {FORMS_HINT}")
    if ":" not in ref:
        return _golden(ref, golden)
    location, _, class_name = ref.rpartition(":")
    if not location or not class_name.isidentifier():
        raise StrategyLoadError(
            f"strategy reference '{ref}' is malformed; expected {FORMS_HINT}"
        )
    if _looks_like_path(location):
        module = _import_file(Path(location))
        where = location
    else:
        module = _import_module(location)
        where = f"module {location}"
    return _pick_class(module, class_name, where)


def _golden(name: str, golden: Mapping[str, type[Strategy]] | None) -> type[Strategy]:
    if golden is None:
        from ._wiring import golden_strategies

        golden = golden_strategies()
    if name in golden:
        return golden[name]
    hint = " (add ':ClassName' after the file)" if name.endswith(".py") else ""
    known = ", ".join(sorted(golden)) or "none installed"
    raise StrategyLoadError(
        f"unknown strategy '{name}'{hint}; golden strategies are: {known}; "
        f"or give path/to/file.py:ClassName or package.module:ClassName"
    )


def _looks_like_path(location: str) -> bool:
    return location.endswith(".py") or "/" in location or "\\" in location


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise StrategyLoadError(f"strategy file not found: {path}")
    resolved = path.resolve()
    # A stable, path-derived name keeps two user files called strategy.py from clashing.
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    module_name = f"finbot_user_strategy_{resolved.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise StrategyLoadError(f"cannot import strategy file {path} (is it a Python file?)")
    module = importlib.util.module_from_spec(spec)
    # Registered before exec so pydantic models and dataclasses in the file can find their module.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[module_name]
        raise StrategyLoadError(
            f"syntax error in strategy file {path}, line {exc.lineno}: {exc.msg}"
        ) from exc
    except Exception as exc:
        del sys.modules[module_name]
        raise StrategyLoadError(
            f"importing strategy file {path} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return module


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise StrategyLoadError(
                f"strategy module '{name}' not found (is it installed or on PYTHONPATH?)"
            ) from exc
        raise StrategyLoadError(
            f"importing strategy module '{name}' failed: {type(exc).__name__}: {exc}"
        ) from exc
    except SyntaxError as exc:
        raise StrategyLoadError(
            f"syntax error in strategy module '{name}' ({exc.filename}, line {exc.lineno}): "
            f"{exc.msg}"
        ) from exc
    except Exception as exc:
        raise StrategyLoadError(
            f"importing strategy module '{name}' failed: {type(exc).__name__}: {exc}"
        ) from exc


def _pick_class(module: ModuleType, class_name: str, where: str) -> type[Strategy]:
    candidate = getattr(module, class_name, None)
    if candidate is None:
        found = sorted(
            name
            for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, Strategy) and value is not Strategy
        )
        listing = ", ".join(found) if found else "none"
        raise StrategyLoadError(
            f"no class '{class_name}' in {where} (Strategy subclasses there: {listing})"
        )
    if not (inspect.isclass(candidate) and issubclass(candidate, Strategy)):
        raise StrategyLoadError(
            f"'{class_name}' in {where} is not a subclass of finbot.contracts.Strategy"
        )
    return candidate
