"""``finbot --version``: the installed version of each finbot distribution."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distributions, version


def version_text() -> str:
    """``finbot-cli X.Y.Z`` first, then every other installed ``finbot-*`` distribution."""
    lines = [f"finbot-cli {version('finbot-cli')}"]
    others = sorted(
        {d.metadata["Name"] for d in distributions()
         if (d.metadata["Name"] or "").startswith("finbot-") and d.metadata["Name"] != "finbot-cli"}
    )
    for name in others:
        try:
            lines.append(f"  {name} {version(name)}")
        except PackageNotFoundError:  # listed but half-uninstalled
            continue
    return "\n".join(lines)
