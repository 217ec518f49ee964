"""Per-package releases (.ci/release.py, ADR 0011): members, version ranges, changelogs and tags.

The slow half (build every wheel, install each alone, smoke-test it) is the `.ci/run` check
"wheels install alone"; these tests cover the rules it applies and the tag checks of the release
workflow, which cannot run here.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load_release_tool():
    spec = importlib.util.spec_from_file_location(
        "finbot_release_tool", REPO_ROOT / ".ci/release.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


release = _load_release_tool()


def test_the_tool_discovers_every_workspace_member(members):
    assert sorted(m.dist for m in release.discover()) == sorted(m.dist for m in members)


def test_sibling_dependencies_carry_ranges_that_admit_the_siblings_versions():
    assert release.sibling_problems(release.discover()) == []


def test_a_contracts_bump_past_a_dependents_range_is_named():
    members = release.discover()
    contracts = next(m for m in members if m.dist == "finbot-contracts")
    bumped = [dataclasses.replace(m, version="0.2.0") if m is contracts else m for m in members]
    problems = release.sibling_problems(bumped)
    assert any(
        p.startswith("finbot-data requires finbot-contracts>=0.1,<0.2") and "now 0.2.0" in p
        for p in problems
    ), problems


def test_a_sibling_dependency_without_a_range_is_named():
    members = release.discover()
    data = next(m for m in members if m.dist == "finbot-data")
    loose = dataclasses.replace(data, requires=("finbot-contracts", *data.requires[1:]))
    problems = release.sibling_problems([loose if m is data else m for m in members])
    assert problems == [
        "finbot-data depends on finbot-contracts without a version range "
        "(write e.g. finbot-contracts>=0.1,<0.2)"
    ]


def test_every_member_has_a_changelog_section_for_its_version():
    for member in release.discover():
        assert release.changelog_section(member, member.version)


def test_a_tag_names_a_member_at_its_current_version():
    members = release.discover()
    contracts = next(m for m in members if m.dist == "finbot-contracts")
    tagged = release.member_for_tag(f"contracts-v{contracts.version}", members)
    assert tagged.dist == "finbot-contracts"
    cli = next(m for m in members if m.dist == "finbot-cli")
    assert release.member_for_tag(f"cli-v{cli.version}", members).folder.name == "cli"


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("contracts-v99.0.0", "pyproject.toml says version"),
        ("nosuch-v0.1.0", "no member folder 'nosuch'"),
        ("contracts-0.1.0", "is not PACKAGE-vX.Y.Z"),
    ],
)
def test_a_bad_tag_is_refused_with_the_reason(tag, message):
    with pytest.raises(release.ReleaseError, match=message):
        release.member_for_tag(tag, release.discover())


def test_a_missing_or_empty_changelog_section_is_refused(tmp_path):
    member = dataclasses.replace(release.discover()[0], folder=tmp_path)
    with pytest.raises(release.ReleaseError, match=r"CHANGELOG\.md is missing"):
        release.changelog_section(member, "0.1.0")
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [0.1.1]\n\n## [0.1.0]\n\n- first\n")
    assert release.changelog_section(member, "0.1.0") == "- first"
    with pytest.raises(release.ReleaseError, match=r"'## \[0.1.1\]' section is empty"):
        release.changelog_section(member, "0.1.1")
    with pytest.raises(release.ReleaseError, match=r"no '## \[0.2.0\]' section"):
        release.changelog_section(member, "0.2.0")
