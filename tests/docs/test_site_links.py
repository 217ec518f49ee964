"""The strict docs build fails on a link to a page that does not exist.

`.ci/run` builds the real site with `mkdocs build --strict`; this shows that check can fail: the
same configuration, on a copy of docs_site/ with one broken link added, aborts and names the link.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

REPO_ROOT = Path(__file__).resolve().parents[2]


def _build(docs_dir: Path, site_dir: Path) -> None:
    config = load_config(
        config_file=str(REPO_ROOT / "mkdocs.yml"),
        docs_dir=str(docs_dir),
        site_dir=str(site_dir),
        strict=True,
    )
    build(config)


@pytest.mark.parametrize(
    "target", ["no-such-page.md", "repo/docs/no-such-document.md", "reference/gone.md#anchor"]
)
def test_strict_build_fails_on_a_link_to_a_missing_page(tmp_path, caplog, target):
    docs = tmp_path / "docs_site"
    shutil.copytree(REPO_ROOT / "docs_site", docs)
    page = docs / "parity.md"
    page.write_text(page.read_text() + f"\nSee [the missing page]({target}).\n")

    with caplog.at_level(logging.WARNING, logger="mkdocs"), pytest.raises(Abort, match="strict"):
        _build(docs, tmp_path / "site")

    broken = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("parity.md" in m and target.split("#")[0] in m for m in broken), broken


def test_the_site_includes_the_example_source_and_the_repository_documents(tmp_path):
    site = tmp_path / "site"
    _build(REPO_ROOT / "docs_site", site)
    page = (site / "writing-a-strategy" / "index.html").read_text()
    # The snippet is expanded (highlighted source), not shown as a literal `--8<--` line.
    assert "BreakoutParams" in page and "--8&lt;--" not in page and "--8 &lt;" not in page
    adrs = sorted(p.name for p in (REPO_ROOT / "docs" / "adr").glob("*.md"))
    assert adrs
    for name in adrs:
        assert (site / "repo" / "docs" / "adr" / name.removesuffix(".md") / "index.html").is_file()
