"""Per-package releases: check that every member's wheel installs alone, and verify a release tag.

Run with the workspace's Python (`uv run --locked python .ci/release.py ...`); see
docs/adr/0011-per-package-releases.md and docs/releasing.md.

  check                  build every member's wheel, install each alone into a fresh venv with only
                         its declared dependencies (finbot siblings from the wheels just built,
                         third-party packages pinned to uv.lock), and smoke-test it there
  verify-tag TAG         TAG (`contracts-v0.1.1`) names a member whose version and CHANGELOG match;
                         prints the distribution name
  notes TAG              the CHANGELOG section of the tagged version (the release notes)
  folder TAG             the tagged member's folder (packages/contracts)
  members                the workspace members this tool discovers
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
SMOKE_FILE = "tests/wheel_smoke.py"
TAG = re.compile(r"^(?P<prefix>[a-z0-9][a-z0-9-]*)-v(?P<version>\d+\.\d+\.\d+(?:[a-z0-9.]*)?)$")


class ReleaseError(Exception):
    """A problem this tool reports as one clear line (exit 1), not a traceback."""


@dataclass(frozen=True)
class Member:
    """One workspace member, as its own pyproject.toml declares it."""

    folder: Path
    dist: str
    version: str
    module: str
    requires: tuple[str, ...]  # as written in pyproject.toml, so messages quote the author
    scripts: tuple[str, ...]

    @property
    def tag_prefix(self) -> str:
        """The release tag prefix: the member's folder name (`contracts` for packages/contracts)."""
        return self.folder.name

    @property
    def wheel_stem(self) -> str:
        """The start of the member's wheel file name (`finbot_contracts-0.1.0-`)."""
        return f"{self.dist.replace('-', '_')}-{self.version}-"


def discover(root: Path = ROOT) -> list[Member]:
    """The workspace members, from the root pyproject's `[tool.uv.workspace]` globs."""
    workspace = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    excluded = {
        Path(p).resolve()
        for pat in workspace.get("exclude", [])
        for p in glob.glob(str(root / pat))
    }
    members = []
    for pattern in workspace["members"]:
        for folder in sorted(Path(p).resolve() for p in glob.glob(str(root / pattern))):
            pyproject = folder / "pyproject.toml"
            if folder in excluded or not pyproject.is_file():
                continue
            data = tomllib.loads(pyproject.read_text())
            project = data["project"]
            members.append(
                Member(
                    folder=folder,
                    dist=canonicalize_name(project["name"]),
                    version=project["version"],
                    module=data["tool"]["uv"]["build-backend"]["module-name"],
                    requires=tuple(project.get("dependencies", [])),
                    scripts=tuple(project.get("scripts", {})),
                )
            )
    prefixes = [m.tag_prefix for m in members]
    clashes = sorted({p for p in prefixes if prefixes.count(p) > 1})
    if clashes:
        raise ReleaseError(
            f"members share a folder name, so their release tags would clash: {clashes}"
        )
    return members


def sibling_problems(members: list[Member]) -> list[str]:
    """Each finbot dependency must carry a version range that admits the sibling's version now.

    Checked before any install so a contract release that leaves a dependent's range says so in
    one line (e.g. contracts 0.2.0 against `finbot-contracts>=0.1,<0.2`).
    """
    by_dist = {m.dist: m for m in members}
    problems = []
    for member in members:
        for written in member.requires:
            req = Requirement(written)
            sibling = by_dist.get(canonicalize_name(req.name))
            if sibling is None:
                continue
            spec = req.specifier
            bounded = any(s.operator in (">=", ">", "~=", "==") for s in spec) and any(
                s.operator in ("<", "<=", "~=", "==") for s in spec
            )
            if not bounded:
                problems.append(
                    f"{member.dist} depends on {written} without a version range "
                    f"(write e.g. {req.name}>=0.1,<0.2)"
                )
            elif not spec.contains(Version(sibling.version), prereleases=True):
                problems.append(
                    f"{member.dist} requires {written}, but {sibling.dist} is now "
                    f"{sibling.version}: widen the range (and release {member.dist}) if it works "
                    f"with {sibling.version}, else undo the bump"
                )
    return problems


def closure(member: Member, members: list[Member]) -> set[str]:
    """The member and every finbot sibling it needs, directly or through another sibling."""
    by_dist = {m.dist: m for m in members}
    seen, todo = set(), [member.dist]
    while todo:
        dist = todo.pop()
        if dist in seen:
            continue
        seen.add(dist)
        names = (canonicalize_name(Requirement(r).name) for r in by_dist[dist].requires)
        todo.extend(name for name in names if name in by_dist)
    return seen


def _run(
    args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, what: str = ""
) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 and what:
        raise ReleaseError(f"{what} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise ReleaseError(
            f"`{' '.join(args)}` exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


# Run in the member's venv from an empty directory, so nothing from the checkout can be imported:
# import the module, resolve its __all__, list the finbot distributions installed, then run the
# member's smoke file (if any) in the same process (one import of pandas or nautilus, not two).
PROBE = """
import importlib, importlib.metadata as md, json, runpy, sys
module = importlib.import_module(sys.argv[1])
missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
names = [d.metadata["Name"] for d in md.distributions()]
finbot = sorted(n for n in names if n.startswith("finbot"))
print(json.dumps({"file": module.__file__, "all": len(getattr(module, "__all__", [])),
                  "missing": missing, "finbot": finbot}), flush=True)
if len(sys.argv) > 2:
    runpy.run_path(sys.argv[2], run_name="__main__")
"""


def smoke_member(
    member: Member, members: list[Member], dist: Path, constraints: Path, work: Path
) -> str:
    """Install one member's wheel alone into a fresh venv and smoke-test it; returns a summary."""
    wheels = [w for w in dist.glob("*.whl") if w.name.startswith(member.wheel_stem)]
    if len(wheels) != 1:
        raise ReleaseError(
            f"{member.dist}: expected one wheel {member.wheel_stem}*.whl in {dist}, got {wheels}"
        )
    venv = work / member.tag_prefix
    python = venv / "bin" / "python"
    _run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)])
    # --find-links: finbot siblings come from the wheels just built; -c: third-party packages at
    # their uv.lock versions. No workspace, no editable install, no source tree on the path.
    _run(
        [
            "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--find-links",
            str(dist),
            "-c",
            str(constraints),
            str(wheels[0]),
        ]
    )
    empty = work / f"{member.tag_prefix}-cwd"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    smoke = member.folder / SMOKE_FILE
    probe = [str(python), "-c", PROBE, member.module, *([str(smoke)] if smoke.is_file() else [])]
    output = _run(probe, cwd=empty, env=env, what=f"the import probe and {SMOKE_FILE}")
    report = json.loads(output.splitlines()[0])
    if not report["file"].startswith(str(venv)):
        raise ReleaseError(f"{member.dist}: {member.module} imported from {report['file']}")
    if report["missing"]:
        raise ReleaseError(f"{member.dist}: __all__ names {report['missing']} that do not import")
    expected = closure(member, members)
    extra = {canonicalize_name(d) for d in report["finbot"]} - expected
    if extra:
        raise ReleaseError(f"{member.dist}: installing it alone also installed {sorted(extra)}")
    done = [f"import {member.module} ({report['all']} names)"]
    if smoke.is_file():
        done.append(f"{member.folder.relative_to(ROOT)}/{SMOKE_FILE}")
    else:
        done.append(f"no {SMOKE_FILE}: import-only smoke")
    for script in member.scripts:
        _run([str(venv / "bin" / script), "--help"], cwd=empty, env=env)
        done.append(f"{script} --help")
    return "; ".join(done)


def check(jobs: int, keep: Path | None) -> int:
    """Build every wheel, install each member alone, smoke-test it. Returns the exit status."""
    started = time.monotonic()
    members = discover()
    problems = sibling_problems(members)
    if problems:
        print("version ranges between finbot packages:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="finbot-wheels-"))
    try:
        dist = work / "dist"
        _run(["uv", "build", "--all-packages", "--wheel", "--quiet", "-o", str(dist)], cwd=ROOT)
        built = time.monotonic()
        constraints = work / "constraints.txt"
        constraints.write_text(
            _run(
                [
                    "uv",
                    "export",
                    "--frozen",
                    "--all-packages",
                    "--all-groups",
                    "--no-hashes",
                    "--no-emit-workspace",
                    "--no-header",
                    "--no-annotate",
                ],
                cwd=ROOT,
            )
        )
        failed = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {
                pool.submit(_timed, smoke_member, m, members, dist, constraints, work): m
                for m in members
            }
            for future in concurrent.futures.as_completed(futures):
                member = futures[future]
                try:
                    seconds, summary = future.result()
                    print(f"ok    {seconds:5.1f}s  {member.dist} {member.version}: {summary}")
                except ReleaseError as exc:
                    failed += 1
                    print(f"FAIL         {member.dist} {member.version}: {exc}")
        print(
            f"{len(members)} wheels built in {built - started:.1f} s; installed and smoke-tested "
            f"alone in {time.monotonic() - built:.1f} s ({jobs} at a time)"
        )
        return 1 if failed else 0
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _timed(fn, *args):
    t0 = time.monotonic()
    result = fn(*args)
    return time.monotonic() - t0, result


def member_for_tag(tag: str, members: list[Member]) -> Member:
    """The member a release tag names, after checking its version and changelog agree."""
    match = TAG.match(tag)
    if not match:
        raise ReleaseError(f"tag {tag!r} is not PACKAGE-vX.Y.Z (e.g. contracts-v0.1.1)")
    by_prefix = {m.tag_prefix: m for m in members}
    member = by_prefix.get(match["prefix"])
    if member is None:
        raise ReleaseError(
            f"tag {tag!r}: no member folder {match['prefix']!r} (members: {sorted(by_prefix)})"
        )
    if Version(match["version"]) != Version(member.version):
        raise ReleaseError(
            f"tag {tag!r}: {member.folder.relative_to(ROOT)}/pyproject.toml says version "
            f"{member.version}; bump it (and the CHANGELOG) in the tagged commit"
        )
    changelog_section(member, member.version)
    return member


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def changelog_section(member: Member, version: str) -> str:
    """The body of the `## [VERSION]` section of the member's CHANGELOG.md; an error if empty."""
    path = member.folder / "CHANGELOG.md"
    if not path.is_file():
        raise ReleaseError(f"{member.dist}: {_shown(path)} is missing")
    text = path.read_text()
    heading = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n", text, re.MULTILINE)
    if heading is None:
        raise ReleaseError(f"{_shown(path)} has no '## [{version}]' section")
    following = re.search(r"^## ", text[heading.end() :], re.MULTILINE)
    body = text[heading.end() : heading.end() + following.start() if following else None].strip()
    if not body:
        raise ReleaseError(f"{_shown(path)}: the '## [{version}]' section is empty")
    return body


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status (0 ok, 1 a failed check or bad tag)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check")
    p_check.add_argument(
        "--jobs", type=int, default=2, help="members installed at once (default 2)"
    )
    p_check.add_argument("--keep", type=Path, help="build and install under this dir and keep it")
    sub.add_parser("verify-tag").add_argument("tag")
    sub.add_parser("notes").add_argument("tag")
    sub.add_parser("folder").add_argument("tag")
    sub.add_parser("members")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check(args.jobs, args.keep)
        members = discover()
        if args.command == "members":
            for m in members:
                print(f"{m.tag_prefix:20} {m.dist:28} {m.version:8} {m.folder.relative_to(ROOT)}")
        elif args.command == "verify-tag":
            print(member_for_tag(args.tag, members).dist)
        elif args.command == "folder":
            print(member_for_tag(args.tag, members).folder.relative_to(ROOT))
        else:
            member = member_for_tag(args.tag, members)
            print(changelog_section(member, member.version))
        return 0
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
