"""The import-linter contracts in the root pyproject.toml are able to fail.

A contract that can never break proves nothing. This builds a tiny stand-in `finbot` tree (one
module per configured root package, wired the legal way), checks the REAL contracts pass on it,
then injects one illegal import at a time and checks that exactly the right contract breaks.
A stand-in rather than a copy of the real sources keeps this independent of work in progress.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# The one engine library each adapter is allowed to import.
ENGINE_LIBRARIES = {
    "finbot.engine_backtrader": "backtrader",
    "finbot.engine_nautilus": "nautilus_trader",
}


def _config(repo_root: Path) -> dict:
    return tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["importlinter"]


def _legal_imports(package: str, roots: list[str]) -> list[str]:
    if package == "finbot.contracts":
        return ["pydantic"]
    if package == "finbot.cli":
        return [r for r in roots if r != package] + ["typer"]
    if package == "finbot.app":
        return [r for r in roots if r not in (package, "finbot.cli")]
    imports = ["finbot.contracts"]
    if package in ENGINE_LIBRARIES:
        imports.append(ENGINE_LIBRARIES[package])
    if package == "finbot.data":
        imports.append("pandas")
    return imports


def _build_tree(tmp_path: Path, repo_root: Path, extra: tuple[str, str] | None = None) -> Path:
    """Write the stand-in tree plus the real config; ``extra`` is (importer, imported)."""
    roots = _config(repo_root)["root_packages"]
    src = tmp_path / "src"
    for package in roots:
        imports = _legal_imports(package, roots)
        if extra and extra[0] == package:
            imports.append(extra[1])
        module_dir = src.joinpath(*package.split("."))
        module_dir.mkdir(parents=True)
        body = "".join(f"import {name}\n" for name in imports)
        (module_dir / "__init__.py").write_text(f'"""Stand-in for {package}."""\n{body}')
    (tmp_path / "pyproject.toml").write_text((repo_root / "pyproject.toml").read_text())
    return src


def _lint(tmp_path: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(tmp_path / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path,
        # PYTHONPATH comes before the workspace's editable installs, so every finbot.* root
        # package resolves to the stand-in tree.
        # A wide terminal keeps each "<contract> KEPT/BROKEN" verdict on one line.
        env={
            "PYTHONPATH": str(src),
            "PATH": "/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "COLUMNS": "400",
        },
        capture_output=True,
        text=True,
        check=False,
    )


def _contract_name(repo_root: Path, fragment: str) -> str:
    names = [c["name"] for c in _config(repo_root)["contracts"] if fragment in c["name"]]
    assert len(names) == 1, f"expected one contract named like {fragment!r}, got {names}"
    return names[0]


pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def test_the_legal_wiring_keeps_every_contract(tmp_path, repo_root):
    result = _lint(tmp_path, _build_tree(tmp_path, repo_root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    for contract in _config(repo_root)["contracts"]:
        assert f"{contract['name']} KEPT" in result.stdout


# (importer, illegal import, the contract that must report it). Each importer gets at most one
# injected import per contract, so each contract's report section can be checked precisely.
VIOLATIONS = [
    ("finbot.contracts", "pandas", "Contracts are the domain"),
    ("finbot.contracts", "nautilus_trader", "Contracts are the domain"),
    ("finbot.strategies", "backtrader", "Only the Backtrader adapter"),
    ("finbot.strategies", "backtrader", "Strategies are written against"),
    ("finbot.cli", "backtrader", "Only the Backtrader adapter"),
    ("finbot.engine_backtrader", "nautilus_trader", "Only the Nautilus adapter"),
    ("finbot.data", "finbot.engine_backtrader", "independent of each other"),
    ("finbot.registry", "finbot.cli", "Layers"),
    ("finbot.app", "finbot.cli", "Layers"),
]


def _broken_sections(stdout: str) -> dict[str, str]:
    """Split lint-imports' "Broken contracts" report into {contract name: its section}."""
    lines = stdout.splitlines()
    headings = [
        i
        for i in range(len(lines) - 1)
        if lines[i] and set(lines[i + 1]) == {"-"} and len(lines[i + 1]) == len(lines[i])
    ]
    sections = {}
    for n, i in enumerate(headings):
        end = headings[n + 1] if n + 1 < len(headings) else len(lines)
        sections[lines[i]] = "\n".join(lines[i + 2 : end])
    return sections


def test_each_injected_violation_breaks_its_contract_and_names_the_import(tmp_path, repo_root):
    src = _build_tree(tmp_path, repo_root)
    for importer, imported, _ in VIOLATIONS:
        init = src.joinpath(*importer.split(".")) / "__init__.py"
        if f"import {imported}\n" not in init.read_text():
            init.write_text(init.read_text() + f"import {imported}\n")
    result = _lint(tmp_path, src)
    assert result.returncode == 1, result.stdout + result.stderr

    sections = _broken_sections(result.stdout)
    expected_broken = {_contract_name(repo_root, c) for _, _, c in VIOLATIONS}
    for name in expected_broken:
        assert f"{name} BROKEN" in result.stdout, result.stdout
        assert name in sections, f"no report section for {name!r}:\n{result.stdout}"
    for importer, imported, contract in VIOLATIONS:
        section = sections[_contract_name(repo_root, contract)]
        assert f"{importer} -> {imported}" in section, (
            f"{contract!r} did not name {importer} -> {imported}:\n{section}"
        )
