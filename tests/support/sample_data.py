"""Where tests find the real sample data: ``../shared/data`` beside the checkout, or the folder
named by ``$FINBOT_SHARED_DATA``. A user's plain clone has neither; tests then skip and say so,
and in CI (``FINBOT_STRICT_SKIPS=1``, tests/support/skip_gate.py) that skip fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("FINBOT_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")
SAMPLES_DIR = SHARED_DATA / "backtrader-samples"
SAMPLES_PRESENT = SAMPLES_DIR.is_dir()
SKIP_REASON = f"real sample data not found at {SAMPLES_DIR} (set FINBOT_SHARED_DATA)"

ORCL = SAMPLES_DIR / "orcl-1995-2014.txt"
NVDA = SAMPLES_DIR / "nvda-1999-2014.txt"
YHOO = SAMPLES_DIR / "yhoo-1996-2014.txt"


def require_sample(name: str | Path) -> Path:
    """The sample file's path; skips the calling test when the file is not on this machine."""
    path = SAMPLES_DIR / name
    if not path.is_file():
        pytest.skip(f"sample file not found at {path} (set FINBOT_SHARED_DATA)")
    return path
