"""Puts the report tests' hand-made runs (``reports_fixtures``) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; the fixtures module needs it.
sys.path.insert(0, str(Path(__file__).parent))
