"""Where results are written: problems found before the run, and no symlink followed out of it."""

from __future__ import annotations

import os
from pathlib import Path

from finbot.contracts import ConfigError


def check_output_dir(output: Path | None, *, option: str = "--output") -> None:
    """Refuse an output directory that cannot take the run's files, before the run starts.

    Raises:
        ConfigError: ``output`` is a file or lies inside one, cannot be created or written, or
            holds a symlink that leads out of it (writing would follow it).
    """
    if output is None:
        return
    if output.exists() and not output.is_dir():
        raise ConfigError(f"{option} {output} exists and is not a directory")
    anchor = output
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    if not anchor.is_dir():
        raise ConfigError(f"{option} {output}: {anchor} is a file, not a directory")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {output}: {anchor} is not writable")
    if output.is_dir():
        refuse_escaping_links(output, option=option)


def refuse_escaping_links(folder: Path, *, option: str = "--output") -> None:
    """Refuse ``folder`` if any symlink in it (at any depth) points outside it.

    Raises:
        ConfigError: Naming the first such link and where it leads.
    """
    root = folder.resolve()
    for parent, dirs, files in os.walk(folder, followlinks=False):
        for name in (*dirs, *files):
            path = Path(parent, name)
            if not path.is_symlink():
                continue
            target = path.resolve()
            if not target.is_relative_to(root):
                raise ConfigError(
                    f"{option} {folder}: {path} is a symlink to {target}, outside the output "
                    "directory; finbot does not write through it (remove the link)"
                )
