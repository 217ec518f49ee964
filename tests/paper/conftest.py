"""Puts this folder's support module (the kill-anywhere case) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; kill_support needs it.
sys.path.insert(0, str(Path(__file__).parent))
