"""Regenerate the frozen golden dataset: ``python -m finbot.data.generate [--out DIR] [--check]``.

Run by hand only when the dataset is meant to change; the package never generates at import or test
time. ``--check`` regenerates into a temporary folder and fails if any byte differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ._golden import GOLDEN_SEED, generate_golden_dataset

_PACKAGED = Path(__file__).resolve().parent / "datasets" / "golden"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m finbot.data.generate", description=__doc__)
    parser.add_argument("--out", type=Path, default=_PACKAGED, help="folder to write into")
    parser.add_argument("--seed", type=int, default=GOLDEN_SEED)
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh generation with --out; write nothing"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for name, path in generate_golden_dataset(args.out, seed=args.seed).items():
            print(f"wrote {path} ({name})")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate_golden_dataset(tmp, seed=args.seed)
        differing = [name for name, path in fresh.items() if not _same(args.out / name, path)]
    if differing:
        print(f"differs from a fresh generation: {', '.join(differing)}", file=sys.stderr)
        return 1
    print(f"{args.out}: all {len(fresh)} files match a fresh generation")
    return 0


def _same(kept: Path, fresh: Path) -> bool:
    return kept.is_file() and kept.read_bytes() == fresh.read_bytes()


if __name__ == "__main__":
    sys.exit(main())
