"""MkDocs hook: mount the repository's own documents into the site instead of copying them.

docs/, docs/adr/, README.md, DEVELOPERS.md and each workspace member's README and CHANGELOG stay
the one source; they appear under ``repo/`` with their repository paths, so their relative links
to each other resolve as they do on a forge.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

MOUNT = "repo"
# Navigation sections this hook fills; mkdocs.yml names each with an empty list, in the order the
# site shows them. A section missing from mkdocs.yml fails the build rather than vanishing.
SECTIONS = ("Project documents", "Architecture decisions", "Packages")

_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]*)\]\((?P<target>[^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


def _repo_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def _members(root: Path) -> list[tuple[str, Path]]:
    """Workspace members as (distribution name, folder), discovered from their pyproject files."""
    import tomllib

    found = []
    pyprojects = [*root.glob("packages/*/pyproject.toml"), *root.glob("apps/*/pyproject.toml")]
    for pyproject in sorted(pyprojects):
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
        found.append((name, pyproject.parent))
    return sorted(found)


def _sources(root: Path) -> dict[str, list[Any]]:
    """The repository files to mount, by navigation section (repository-relative paths)."""
    docs = sorted(p for p in (root / "docs").glob("*.md"))
    adrs = sorted((root / "docs" / "adr").glob("*.md"))
    packages: list[Any] = []
    for name, folder in _members(root):
        pages = [
            {label: f"{folder.relative_to(root).as_posix()}/{filename}"}
            for label, filename in (("README", "README.md"), ("Changelog", "CHANGELOG.md"))
            if (folder / filename).is_file()
        ]
        if pages:
            packages.append({name: pages})
    project = ["DEVELOPERS.md", "README.md", *(p.relative_to(root).as_posix() for p in docs)]
    return {
        "Project documents": [p for p in project if (root / p).is_file()],
        "Architecture decisions": [p.relative_to(root).as_posix() for p in adrs],
        "Packages": packages,
    }


def _mounted(entries: list[Any]) -> list[Any]:
    out: list[Any] = []
    for entry in entries:
        if isinstance(entry, dict):
            out.append(
                {
                    key: _mounted(value) if isinstance(value, list) else f"{MOUNT}/{value}"
                    for key, value in entry.items()
                }
            )
        else:
            out.append(f"{MOUNT}/{entry}")
    return out


def _flat(entries: list[Any]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, dict):
            for value in entry.values():
                out.extend(_flat(value) if isinstance(value, list) else [value])
        else:
            out.append(entry)
    return out


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Fill the navigation sections named in SECTIONS with the mounted files."""
    root = _repo_root(config)
    # Snippet paths (--8<--) are relative to the repository root, whatever the working directory.
    snippets = config.mdx_configs.get("pymdownx.snippets")
    if snippets is not None:
        snippets["base_path"] = [str(root)]
    sources = _sources(root)
    nav = config.nav or []
    filled = set()
    for item in nav:
        if isinstance(item, dict):
            for title in item:
                if title in SECTIONS:
                    item[title] = _mounted(sources[title])
                    filled.add(title)
    missing = [s for s in SECTIONS if s not in filled]
    if missing:
        raise PluginError(f"mkdocs.yml nav lacks the sections {missing} that {__file__} fills")
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Add every mounted repository document as a page of the site."""
    root = _repo_root(config)
    for section in _sources(root).values():
        for rel in _flat(section):
            files.append(File.generated(config, f"{MOUNT}/{rel}", abs_src_path=str(root / rel)))
    return files


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    """In a mounted document, turn links to repository files the site lacks into plain paths.

    A link to source code or a folder is valid on a forge but has no page here: it becomes the
    link text followed by the path. A link to a path that does not exist is left alone, so the
    strict build reports it.
    """
    if not page.file.src_uri.startswith(f"{MOUNT}/"):
        return markdown
    root = _repo_root(config)
    page_dir = (root / page.file.src_uri.removeprefix(f"{MOUNT}/")).parent

    def rewrite(match: re.Match[str]) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
            return match[0]
        path = (page_dir / target.split("#", 1)[0]).resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            return match[0]
        if files.get_file_from_path(f"{MOUNT}/{rel}") is not None or not path.exists():
            return match[0]
        shown = f"{rel}/" if path.is_dir() else rel
        text = match["text"]
        return f"`{shown}`" if text.strip("`") in (rel, shown) else f"{text} (`{shown}`)"

    # Leave fenced code blocks untouched: every other chunk is prose.
    chunks = _FENCE.split(markdown)
    out, in_fence, fence = [], False, ""
    for chunk in chunks:
        if chunk in ("```", "~~~"):
            if not in_fence:
                in_fence, fence = True, chunk
            elif chunk == fence:
                in_fence = False
            out.append(chunk)
        else:
            out.append(chunk if in_fence else _LINK.sub(rewrite, chunk))
    return "".join(out)
