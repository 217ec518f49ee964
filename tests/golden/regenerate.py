"""Rewrite golden masters: the ONLY way they change. Run by hand, never by a test or CI.

    uv run python tests/golden/regenerate.py [--engine NAME ...] [--strategy ID ...] [--check]

Prints, per case, whether the master was created, changed (old -> new hash) or unchanged.
``--check`` writes nothing and exits 1 if any master would change.
"""

from __future__ import annotations

import argparse
import sys

from golden_masters import ENGINES, cases, dump, engine_missing, file_hash, master_drift


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=ENGINES, help="default: all")
    parser.add_argument("--strategy", action="append", help="golden strategy id; default: all")
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args(argv)
    engines = tuple(args.engine or ENGINES)
    for engine in engines:
        reason = engine_missing(engine)
        if reason:
            parser.error(f"cannot regenerate {engine} masters: {reason}")
    selected = [c for c in cases(engines) if not args.strategy or c.strategy in args.strategy]
    if not selected:
        parser.error(f"no golden strategy matches {args.strategy}")
    changed = 0
    for case in selected:
        result = case.run()
        # Byte for byte, like the test: a model read would hide a stored-format change.
        if not case.path.exists():
            status = "created"
        elif master_drift(case, result) is None:
            status = "unchanged"
        else:
            status = f"CHANGED {file_hash(case)[:12]} -> {result.content_hash()[:12]}"
        if status != "unchanged":
            changed += 1
            if not args.check:
                case.path.parent.mkdir(parents=True, exist_ok=True)
                case.path.write_text(dump(result))
        print(f"{case.id:45} {status}  ({result.metrics.fill_count} fills, "
              f"final equity {result.metrics.final_equity:,.2f})")
    print(f"{changed} of {len(selected)} master(s) {'would change' if args.check else 'written'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
