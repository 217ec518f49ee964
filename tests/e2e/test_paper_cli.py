"""``finbot paper`` as a user runs it: a session to the end, SIGKILLed and resumed, the controls."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finbot.cli import app
from finbot.paper_broker import Journal

FINBOT = [sys.executable, "-m", "finbot.cli"]
RUNNER = CliRunner()


def _result(directory: Path) -> dict:
    return json.loads((directory / "result" / "result.json").read_text())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("paper") / "session"
    out = RUNNER.invoke(app, ["paper", "--session", str(directory), "--checkpoint-every", "10"])
    assert out.exit_code == 0, out.output
    assert "order_filled" in out.output and "Final equity: 87,618.96 USD" in out.output
    return directory


def test_a_session_runs_to_the_end_and_writes_its_result(uninterrupted):
    result = _result(uninterrupted)
    assert result["engine"]["name"] == "paper"
    assert len(result["fills"]) == 32
    kinds = [e.kind for e in Journal(uninterrupted / "journal.sqlite").entries()]
    assert kinds[0] == "session_started" and kinds[-1] == "session_finished"


def test_a_sigkilled_cli_session_resumes_to_the_same_result(uninterrupted, tmp_path):
    directory = tmp_path / "session"
    # paced (about 2.5 s for the 750 daily bars) so that the kill lands mid-run
    proc = subprocess.Popen(
        [
            *FINBOT,
            "paper",
            "--session",
            str(directory),
            "--checkpoint-every",
            "10",
            "-q",
            "--speed",
            str(86_400 * 400),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    journal = directory / "journal.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists() and Journal(journal).last_seq >= 40:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (directory / "result").exists()
    out = RUNNER.invoke(app, ["paper", "resume", "--session", str(directory), "-q"])
    assert out.exit_code == 0, out.output
    assert _result(directory) == _result(uninterrupted)


def test_kill_and_reset_need_a_session(tmp_path):
    out = RUNNER.invoke(app, ["paper", "kill", "--session", str(tmp_path)])
    assert out.exit_code == 2
    assert f"no paper session in {tmp_path}" in out.output


def test_kill_then_reset_leave_the_flag_files_a_session_reads(uninterrupted):
    out = RUNNER.invoke(app, ["paper", "kill", "--session", str(uninterrupted)])
    assert out.exit_code == 0 and (uninterrupted / "KILL").exists()
    out = RUNNER.invoke(app, ["paper", "reset", "--session", str(uninterrupted)])
    assert out.exit_code == 0
    assert not (uninterrupted / "KILL").exists() and (uninterrupted / "RESET").exists()


def test_a_finished_session_cannot_resume_and_a_used_directory_cannot_start(uninterrupted):
    out = RUNNER.invoke(app, ["paper", "resume", "--session", str(uninterrupted)])
    assert out.exit_code == 1 and "has already finished" in out.output
    out = RUNNER.invoke(app, ["paper", "--session", str(uninterrupted)])
    assert out.exit_code == 2 and "already holds a paper session" in out.output


def test_bad_risk_limits_are_named(tmp_path):
    bad = tmp_path / "risk.json"
    bad.write_text('{"max_order_notional": -5}')
    out = RUNNER.invoke(app, ["paper", "--session", str(tmp_path / "s"), "--risk", str(bad)])
    assert out.exit_code == 2
    assert "risk.max_order_notional" in out.output


class _Crash(BaseException):
    """Stands for the process dying: nothing in finbot catches a BaseException."""


def test_a_strategy_from_a_file_survives_a_crash_and_a_reload(tmp_path, monkeypatch):
    # The loader imports a file strategy into a fresh module each time; the checkpoint must not
    # depend on finding the old class by name.
    from finbot.app import make_config, resume_paper, start_paper
    from finbot.paper_broker import PaperSettings

    config = make_config(strategy="docs_site/examples/breakout.py:Breakout")
    settings = PaperSettings(checkpoint_every=5, fsync=False)
    reference = start_paper(config, settings, tmp_path / "whole").result
    assert reference is not None and reference.fills

    append = Journal.append

    def crash_at_30(self, *args, **kwargs):
        seq = append(self, *args, **kwargs)
        if seq == 30:
            raise _Crash
        return seq

    monkeypatch.setattr(Journal, "append", crash_at_30)
    with pytest.raises(_Crash):
        start_paper(config, settings, tmp_path / "crashed")
    monkeypatch.undo()
    assert (tmp_path / "crashed" / "checkpoint.pkl").exists()
    assert resume_paper(tmp_path / "crashed").result == reference


def test_the_paper_broker_joins_parity_on_request_only(tmp_path):
    out = RUNNER.invoke(
        app,
        # both policies: the file is imported once per policy before the runs, so the paper
        # session checkpoints an instance of a class its module no longer holds
        [
            "parity",
            "--strategy",
            "docs_site/examples/breakout.py:Breakout",
            "--engines",
            "backtrader,paper",
            "--fill-policy",
            "both",
            "--no-record",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "paper" in out.output
    help_text = RUNNER.invoke(app, ["parity", "--help"]).output
    assert "paper" not in help_text.split("default:")[1].split(")")[0]


def test_stream_feeds_the_data_as_a_live_source_would_with_the_same_fills(uninterrupted, tmp_path):
    out = RUNNER.invoke(app, ["paper", "--session", str(tmp_path / "s"), "--stream", "-q"])
    assert out.exit_code == 0, out.output
    streamed, replayed = _result(tmp_path / "s"), _result(uninterrupted)
    assert json.loads(streamed["engine"]["details"]["paper_settings"])["streamed"] is True
    assert streamed["fills"] == replayed["fills"]
    assert streamed["equity_curve"] == replayed["equity_curve"]


def test_sigterm_to_the_paper_process_trips_the_kill_switch_and_stops_flat(tmp_path):
    directory = tmp_path / "session"
    proc = subprocess.Popen(
        [*FINBOT, "paper", "--session", str(directory), "-q", "--speed", str(86_400 * 50)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    journal = directory / "journal.sqlite"
    deadline = time.monotonic() + 60
    # wait until the strategy holds a position (its first fill), then ask the process to stop
    while time.monotonic() < deadline:
        if journal.exists() and any(e.kind == "order_filled" for e in Journal(journal).entries()):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped by SIGTERM" in out
    entries = list(Journal(journal).entries())
    tripped = [e for e in entries if e.kind == "kill_switch_tripped"]
    assert [e.payload["reason"] for e in tripped] == ["SIGTERM received"]
    flatten = [e for e in entries if e.kind == "order_new" and e.payload["tag"]]
    assert [e.payload["tag"] for e in flatten] == ["kill switch: flatten"]
    assert entries[-1].kind != "session_finished"  # stopped before the end of the data
    assert not (directory / "result").exists()
