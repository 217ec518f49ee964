"""The skip gate (tests/support/skip_gate.py) fails a CI run on any skip its allow-list lacks.

pytest runs in a subprocess on a small throwaway test file, once as CI runs it
(``FINBOT_STRICT_SKIPS=1``) and once as a developer does, and each test's outcome is read from
the JUnit XML report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import skip_gate

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPPORT = REPO_ROOT / "tests" / "support"

SAMPLE_TESTS = '''
import pytest
import sample_data

def test_passes():
    assert True

def test_unlisted_skip():
    pytest.skip("nothing to test against")

def test_listed_skip():
    pytest.skip("no GPU on this machine")

def test_listed_but_skipped_for_another_reason():
    pytest.skip("the GPU driver crashed")

@pytest.mark.skipif(True, reason="a condition that is always true")
def test_skipif_marker():
    pass

def test_missing_sample_data():
    sample_data.require_sample("no-such-file.txt")

@pytest.mark.xfail(strict=True, reason="a known, measured difference")
def test_strict_xfail():
    assert False

@pytest.mark.xfail(strict=False, reason="was broken once")
def test_non_strict_xfail_that_passes():
    pass

@pytest.mark.xfail(run=False, reason="never run")
def test_xfail_not_run():
    pass

def test_imperative_xfail():
    pytest.xfail("not done yet")
'''

MODULE_SKIP = '''
import pytest
pytest.skip("the whole module", allow_module_level=True)

def test_hidden():
    pass
'''

ALLOWLIST = '''
[[skip]]
test = "test_sample.py::test_listed*"
reason = "the sample machine has no GPU"
message = "no GPU"

[[skip]]
test = "test_sample.py::test_gone"
reason = "a test that no longer exists"
'''


def _outcomes(tmp_path: Path, *, strict: bool) -> tuple[int, dict[str, str], str]:
    """(exit code, test name -> passed/failed/error/skipped, output) of one pytest run."""
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE_TESTS))
    (tmp_path / "test_module_skip.py").write_text(textwrap.dedent(MODULE_SKIP))
    (tmp_path / "allow.toml").write_text(ALLOWLIST)
    # Its own ini file, so the repository's pytest settings and root conftest stay out of it.
    (tmp_path / "pytest.ini").write_text(
        f"[pytest]\nfinbot_skip_allowlist = {tmp_path / 'allow.toml'}\nxfail_strict = false\n"
    )
    junit = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k != skip_gate.STRICT_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")])
    env["FINBOT_SHARED_DATA"] = str(tmp_path / "no-shared-data")
    if strict:
        env[skip_gate.STRICT_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "skip_gate", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
         "--continue-on-collection-errors", f"--junitxml={junit}", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    outcomes: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        name = case.get("name") or case.get("classname", "")
        outcomes[name] = kinds[0] if kinds else "passed"
    return proc.returncode, outcomes, proc.stdout + proc.stderr


def test_in_ci_every_unlisted_skip_and_dishonest_xfail_fails(tmp_path: Path) -> None:
    code, outcomes, output = _outcomes(tmp_path, strict=True)
    assert code != 0, output
    assert outcomes == {
        "test_passes": "passed",
        "test_unlisted_skip": "failure",
        "test_listed_skip": "skipped",
        "test_listed_but_skipped_for_another_reason": "failure",
        "test_skipif_marker": "error",  # a skip at setup fails as an error
        "test_missing_sample_data": "failure",
        "test_strict_xfail": "skipped",  # JUnit's name for xfailed: the honest kind stays
        "test_non_strict_xfail_that_passes": "failure",
        "test_xfail_not_run": "error",  # decided at setup
        "test_imperative_xfail": "failure",
        "test_module_skip": "error",  # the module-level skip, as a collection error
    }, output
    assert "skipped under FINBOT_STRICT_SKIPS=1 (CI): nothing to test against" in output
    assert "sample file not found" in output
    assert "xfail(run=False) never ran under FINBOT_STRICT_SKIPS=1 (CI): [NOTRUN]" in output
    assert "8 turned into failures" in output
    assert "allow-list entry 'test_sample.py::test_gone' matched no skip" in output


def test_outside_ci_skips_stay_skips(tmp_path: Path) -> None:
    code, outcomes, output = _outcomes(tmp_path, strict=False)
    assert code == 0, output
    assert outcomes["test_unlisted_skip"] == "skipped"
    assert outcomes["test_missing_sample_data"] == "skipped"
    assert "skip gate" not in output


def test_an_allowlist_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[[skip]]\ntest = "tests/x.py::test_y"\nreason = " "\n')
    with pytest.raises(pytest.UsageError, match=r"entry 1: needs a non-empty 'test' and 'reason'"):
        skip_gate.load_allowlist(path)


def test_the_checked_in_allowlist_is_valid_and_every_entry_has_a_reason() -> None:
    for entry in skip_gate.load_allowlist(skip_gate.DEFAULT_ALLOWLIST):
        assert entry.reason.strip()


def test_this_run_has_the_gate_loaded(request: pytest.FixtureRequest) -> None:
    # The root conftest.py loads it, so `uv run pytest` in CI (and tox's per-package runs) use it.
    assert request.config.pluginmanager.has_plugin("skip_gate")


def test_ci_runs_the_tests_with_the_gate_on_and_gates_a_real_data_file() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert 'check "tests" env FINBOT_STRICT_SKIPS=1 FINBOT_REGISTRY=' in ci
    assert '--data "${samples}/orcl-1995-2014.txt"' in ci


def test_tox_runs_every_package_env_with_the_gate_on(tmp_path: Path) -> None:
    # What tox resolves for each env (no env is built), with the caller's setting left out.
    env = {k: v for k, v in os.environ.items() if k != skip_gate.STRICT_ENV}
    shown = subprocess.run(
        [sys.executable, "-m", "tox", "config", "-k", "set_env"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout
    sections = shown.split("[testenv:")[1:]
    assert len(sections) >= 12, shown
    off = [s.split("]")[0] for s in sections if f"{skip_gate.STRICT_ENV}=1\n" not in s]
    assert off == [], f"tox envs without the skip gate: {off}"
    # A tox env runs `python -m pytest packages/<member>/tests` from the repository root: the root
    # conftest.py loads the gate there too, so a package test that skips (here: no sample data)
    # fails the env instead of passing it.
    env[skip_gate.STRICT_ENV] = "1"
    env["FINBOT_SHARED_DATA"] = str(tmp_path / "no-shared-data")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "packages/data/tests/test_samples.py::test_yahoo_samples"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "(CI): Backtrader sample data not found" in run.stdout, run.stdout
