"""Each ADR has its own number, its heading says that number, and every link to an ADR resolves.

Two ADRs once shared 0017 (calendars and Nautilus native mode), so "ADR 0017" in code and docs
meant either; the later one is now 0019. The audit below fails on a repeat of that, on an ADR
whose heading disagrees with its file name, and on a path `adr/NNNN-title.md` naming no file. A
bare "ADR NNNN" is not checked: an ADR may name one that is planned but not written yet.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ADR_DIR = REPO_ROOT / "docs" / "adr"

_FILE_NAME = re.compile(r"(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.md")
_HEADING = re.compile(r"# ADR (\d{4}): \S")
# A path like docs/adr/0017-x.md or repo/docs/adr/0017-x.md (a docs-site link).
_ADR_LINK = re.compile(r"\badr/(\d{4}-[a-z0-9-]+\.md)")
_TEXT_SUFFIXES = {".md", ".py", ".toml", ".yml", ".yaml", ".ini", ".txt", ".cfg", ""}
# Not ours or not source: hidden folders (environments, caches) but CI's, the built site, builds.
_HIDDEN_KEPT = {".ci", ".github"}
_SKIP_DIRS = {"__pycache__", "node_modules", "site", "dist", "build"}


def adr_problems(adr_dir: Path, root: Path) -> list[str]:
    """Every numbering fault of the ADRs in ``adr_dir`` and every dead ADR link under ``root``."""
    problems: list[str] = []
    by_number: dict[str, list[str]] = defaultdict(list)
    for path in sorted(adr_dir.iterdir()):
        if path.suffix != ".md" or path.name.lower() == "readme.md":
            continue
        name = _FILE_NAME.fullmatch(path.name)
        if name is None:
            problems.append(f"{path.name}: not named NNNN-lower-case-title.md")
            continue
        by_number[name.group(1)].append(path.name)
        first_line = path.read_text(encoding="utf-8").partition("\n")[0]
        heading = _HEADING.match(first_line)
        if heading is None or heading.group(1) != name.group(1):
            problems.append(
                f"{path.name}: first line {first_line!r} is not '# ADR {name.group(1)}: <title>'"
            )
    problems += [
        f"ADR {number} is used by {len(names)} files: {', '.join(names)}"
        for number, names in sorted(by_number.items())
        if len(names) > 1
    ]
    files = {p.name for p in adr_dir.iterdir()}
    for path in _text_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(root)
        for line_no, line in enumerate(text.splitlines(), start=1):
            problems += [
                f"{where}:{line_no}: links adr/{file}, which does not exist"
                for file in _ADR_LINK.findall(line)
                if file not in files
            ]
    return problems


def _text_files(root: Path) -> list[Path]:
    # This module writes dead links on purpose, as the inputs of its own failing cases.
    this = Path(__file__).resolve()
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [
            d
            for d in dirs
            if (d in _HIDDEN_KEPT or not d.startswith("."))
            and d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
        ]
        found += [
            Path(folder, n)
            for n in names
            if Path(n).suffix in _TEXT_SUFFIXES and not n.startswith(".") and n != "uv.lock"
        ]
    return [p for p in found if p.resolve() != this]


def test_adr_numbers_are_unique_and_every_adr_link_resolves() -> None:
    assert adr_problems(ADR_DIR, REPO_ROOT) == []


def _adrs(tmp_path: Path, *files: tuple[str, str]) -> Path:
    adr_dir = tmp_path / "docs" / "adr"
    adr_dir.mkdir(parents=True)
    for name, heading in files:
        (adr_dir / name).write_text(f"{heading}\n\nStatus: accepted.\n")
    return adr_dir


def test_two_adrs_with_one_number_fail(tmp_path: Path) -> None:
    adr_dir = _adrs(
        tmp_path,
        ("0017-calendars.md", "# ADR 0017: Calendars"),
        ("0017-native-mode.md", "# ADR 0017: Native mode"),
    )
    assert adr_problems(adr_dir, tmp_path) == [
        "ADR 0017 is used by 2 files: 0017-calendars.md, 0017-native-mode.md"
    ]


def test_a_heading_that_disagrees_with_the_file_name_fails(tmp_path: Path) -> None:
    adr_dir = _adrs(
        tmp_path, ("0019-native-mode.md", "# ADR 0017: Native mode"), ("0020-x.md", "# X")
    )
    assert adr_problems(adr_dir, tmp_path) == [
        "0019-native-mode.md: first line '# ADR 0017: Native mode' is not '# ADR 0019: <title>'",
        "0020-x.md: first line '# X' is not '# ADR 0020: <title>'",
    ]


def test_a_link_to_a_missing_adr_file_fails(tmp_path: Path) -> None:
    adr_dir = _adrs(tmp_path, ("0019-native-mode.md", "# ADR 0019: Native mode"))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(
        "# see docs/adr/0019-native-mode.md\n# stale: docs/adr/0017-native-mode.md\n"
    )
    assert adr_problems(adr_dir, tmp_path) == [
        "pkg/mod.py:2: links adr/0017-native-mode.md, which does not exist"
    ]
