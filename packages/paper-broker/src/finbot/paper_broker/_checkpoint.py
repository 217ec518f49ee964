"""Crash-safe checkpoints: one file replaced atomically (temp file, fsync, ``os.replace``).

The file is a JSON header line (format, identity, sha256 of the body) and a pickle of the
session's state. Objects that a resume rebuilds itself (the market data, its columns, the
journal) are written as references, not copied (``externals``), so a checkpoint stays small.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finbot.contracts import FinbotError

FORMAT = "finbot-paper-checkpoint/1"


class CheckpointError(FinbotError, RuntimeError):
    """A checkpoint is unreadable, altered, or belongs to another session."""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, externals: Mapping[str, object]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._ids = {id(obj): name for name, obj in externals.items()}
        self._types = frozenset(type(obj) for obj in externals.values())

    def persistent_id(self, obj: object) -> str | None:
        # called for every object pickled: most are floats and strings, never externals
        if type(obj) in self._types:
            return self._ids.get(id(obj))
        return None



class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, externals: Mapping[str, object]) -> None:
        super().__init__(file)
        self._externals = externals

    def persistent_load(self, pid: Any) -> object:
        try:
            return self._externals[pid]
        except KeyError:
            raise CheckpointError(
                f"checkpoint refers to {pid!r}, which this resume lacks"
            ) from None


def write_checkpoint(
    path: Path,
    state: object,
    header: Mapping[str, Any],
    externals: Mapping[str, object],
    *,
    fsync: bool = True,
) -> None:
    """Write ``state`` to ``path`` atomically: a reader sees the old file or the new one.

    ``fsync`` also makes it durable against a power loss; without it the rename is still atomic
    for any reader, and a killed process loses nothing the kernel already holds.
    """
    buffer = io.BytesIO()
    _Pickler(buffer, externals).dump(state)
    body = buffer.getvalue()
    head = {**header, "format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()}
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        out.write(json.dumps(head, sort_keys=True).encode() + b"\n")
        out.write(body)
        out.flush()
        if fsync:
            os.fsync(out.fileno())
    os.replace(tmp, path)
    if not fsync:
        return
    # the rename itself is durable only once the directory entry is
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_header(path: Path) -> dict[str, Any]:
    """The header of a checkpoint file, checked for the format.

    Raises:
        CheckpointError: not a checkpoint of this format.
    """
    with open(path, "rb") as source:
        line = source.readline()
    return _parse_header(path, line)


def _parse_header(path: Path, line: bytes) -> dict[str, Any]:
    try:
        head = json.loads(line)
    except ValueError:
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a paper checkpoint ({FORMAT})")
    return head


def read_checkpoint(path: Path, externals: Mapping[str, object]) -> tuple[dict[str, Any], object]:
    """The header and state of a checkpoint written by :func:`write_checkpoint`.

    Raises:
        CheckpointError: not a checkpoint, or its body does not match the header's sha256.
    """
    raw = path.read_bytes()
    line, _, body = raw.partition(b"\n")
    head = _parse_header(path, line)
    if hashlib.sha256(body).hexdigest() != head.get("sha256"):
        raise CheckpointError(f"{path}: body does not match its sha256; the file was altered")
    return head, _Unpickler(io.BytesIO(body), externals).load()
