"""Puts the golden-master support module on the import path (as regenerate.py has it)."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; golden_masters needs it.
sys.path.insert(0, str(Path(__file__).parent))
