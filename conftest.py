"""Repository-wide pytest set-up: the CI skip gate (``tests/support/skip_gate.py``).

Every test run from the repository root loads it, whichever folder is collected; it acts only
when ``FINBOT_STRICT_SKIPS=1``, which ``.ci/run`` sets.
"""

pytest_plugins = ["skip_gate"]
