"""Content-addressed artifact files: ``<root>/<sha256[:2]>/<sha256>``, verified on every read."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from ._errors import RegistryIntegrityError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    """sha256 (hex) of bytes."""
    return hashlib.sha256(data).hexdigest()


class ArtifactStore:
    """Immutable blobs named by their sha256; storing the same bytes twice stores them once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store bytes (atomically: temp file then rename) and return their sha256."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.is_file() and sha256_hex(target.read_bytes()) == digest:
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def get(self, sha256: str, *, run_id: str | None = None, label: str = "artifact") -> bytes:
        """Read a blob and check its bytes still hash to its name."""
        target = self.path(sha256)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise RegistryIntegrityError(
                f"{label} {sha256} is missing from {self.root}", run_id=run_id, what=label
            ) from None
        actual = sha256_hex(data)
        if actual != sha256:
            raise RegistryIntegrityError(
                f"{label} {sha256} at {target} now hashes to {actual}: the file was altered",
                run_id=run_id,
                what=label,
            )
        return data
