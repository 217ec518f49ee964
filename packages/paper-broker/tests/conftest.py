"""Puts the paper tests' support module (a picklable scripted strategy) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; paper_support needs it.
sys.path.insert(0, str(Path(__file__).parent))
