from __future__ import annotations

import os
from pathlib import Path

import pytest


def _shared_samples() -> Path:
    root = os.environ.get("FINBOT_SHARED_DATA")
    shared = Path(root) if root else Path(__file__).resolve().parents[3].parent / "shared" / "data"
    return shared / "backtrader-samples"


@pytest.fixture
def samples() -> Path:
    folder = _shared_samples()
    if not (folder / "orcl-1995-2014.txt").is_file():
        pytest.skip(f"Backtrader sample data not found at {folder} (set FINBOT_SHARED_DATA)")
    return folder


@pytest.fixture
def write_file(tmp_path: Path):
    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    return write
