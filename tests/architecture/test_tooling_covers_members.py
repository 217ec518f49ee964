"""Every workspace member is wired into the shared tooling: sources, mypy, import-linter and tox.

A new package that is left out of one of these is silently unchecked; these tests name the gap.
"""

from __future__ import annotations

import configparser
import re


def test_every_member_is_a_root_workspace_source(members, root_pyproject):
    sources = root_pyproject["tool"]["uv"]["sources"]
    missing = [m.dist for m in members if sources.get(m.dist) != {"workspace": True}]
    assert not missing, (
        f"root pyproject [tool.uv.sources] lacks {{ workspace = true }} for {missing}"
    )


def test_every_member_src_is_on_the_mypy_path(members, root_pyproject, repo_root):
    mypy_path = set(root_pyproject["tool"]["mypy"]["mypy_path"])
    missing = [
        str((m.path / "src").relative_to(repo_root))
        for m in members
        if str((m.path / "src").relative_to(repo_root)) not in mypy_path
    ]
    assert not missing, f"root pyproject [tool.mypy] mypy_path lacks {missing}"


def test_every_member_is_an_import_linter_root_package(members, root_pyproject):
    roots = set(root_pyproject["tool"]["importlinter"]["root_packages"])
    missing = [m.module for m in members if m.module not in roots]
    assert not missing, f"root pyproject [tool.importlinter] root_packages lacks {missing}"


def test_every_member_has_an_isolated_tox_env(members, repo_root):
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(repo_root / "tox.ini")
    env_list = {e.strip() for e in tox["tox"]["env_list"].split(",")}
    synced = {}
    for env in env_list:
        flags = tox[f"testenv:{env}"].get("uv_sync_flags", "")
        match = re.search(r"--package[= ](\S+)", flags)
        assert match, f"tox env {env!r} does not install a single package (uv_sync_flags={flags!r})"
        synced[match.group(1)] = env
    missing = [m.dist for m in members if m.dist not in synced]
    assert not missing, f"tox.ini has no env installing {missing} alone"


def test_every_member_has_its_own_dev_group_with_pytest(members):
    # Without its own `dev` group, `uv sync --package X --group dev` falls back to the ROOT's dev
    # group and installs the whole workspace, so the tox env would prove nothing.
    lacking = [
        m.dist
        for m in members
        if not any(
            str(req).startswith("pytest")
            for req in m.pyproject.get("dependency-groups", {}).get("dev", [])
        )
    ]
    assert not lacking, f"these members have no [dependency-groups] dev with pytest: {lacking}"


def test_members_share_the_finbot_namespace_without_an_init(members):
    # uv_build refuses a namespace package with src/finbot/__init__.py, and one stray file would
    # shadow every sibling's finbot.* at import time.
    for m in members:
        assert m.module.startswith("finbot."), (
            f"{m.dist}: module-name {m.module!r} not under finbot."
        )
        assert not (m.path / "src" / "finbot" / "__init__.py").exists(), (
            f"{m.path}/src/finbot/__init__.py breaks the finbot namespace package"
        )


def test_every_member_sits_in_the_layers_contract(members, root_pyproject):
    layers = [
        c for c in root_pyproject["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    assert len(layers) == 1, f"expected one layers contract, found {len(layers)}"
    placed = {m.strip() for layer in layers[0]["layers"] for m in layer.split("|")}
    missing = [m.module for m in members if m.module not in placed]
    assert not missing, f"the import-linter layers contract does not place {missing}"
