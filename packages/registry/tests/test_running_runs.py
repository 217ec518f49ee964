"""Runs are visible while running; killed, hung or timed-out ones are later marked abandoned."""

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from finbot.registry import Registry, RunStatus

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from finbot.contracts import RunConfig, StrategySpec
    from finbot.registry import Registry
    registry = Registry.open(sys.argv[1], artifacts_dir=sys.argv[2])
    config = RunConfig(strategy=StrategySpec(id="flip"), dataset={"name": "synthetic"},
                       engine="fake")
    print(registry.start(config), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-run: no outcome is ever written
""")


def test_a_killed_run_stays_visible_and_is_marked_abandoned(registry_location) -> None:
    location, artifacts = registry_location
    done = subprocess.run([sys.executable, "-c", SCRIPT, location, str(artifacts)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    run_id = done.stdout.strip()
    with Registry.open(location, artifacts_dir=artifacts) as registry:
        record = registry.get(run_id)
    assert record.status is RunStatus.ABANDONED
    assert record.error is not None and "is gone" in record.error
    assert record.environment.pid is not None and record.environment.pid != os.getpid()
    assert record.finished_at is not None


def test_hung_runs_are_abandoned_after_their_timeout_or_the_limit(registry, fakes) -> None:
    now = datetime.now(UTC)
    config = fakes.make_config()
    hung = registry.start(config, started=now - timedelta(minutes=7), timeout_seconds=60)
    slow = registry.start(config, started=now - timedelta(minutes=7), timeout_seconds=3600)
    old = registry.start(config, started=now - timedelta(days=2))
    fresh = registry.start(config, started=now)
    assert registry.abandon_stale(now) == [hung, old]
    status = {r.run_id: r for r in registry.runs()}
    assert status[hung].status is RunStatus.ABANDONED
    assert "past its timeout of 60 s" in (status[hung].error or "")
    assert "running limit" in (status[old].error or "")
    assert status[slow].status is status[fresh].status is RunStatus.RUNNING
    assert status[slow].timeout_seconds == 3600
    assert registry.verify() == []
