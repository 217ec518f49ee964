"""Puts the A/B harness's support module (native Backtrader strategies) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib does not put test folders on sys.path; ab_native needs it.
sys.path.insert(0, str(Path(__file__).parent))
