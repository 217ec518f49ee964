"""The progress bar: counted steps, shown only after a second, never without a terminal."""

from __future__ import annotations

import io

from finbot_fakes import FakeWiring
from rich.console import Console

from finbot.app import make_config, prepare_run, run_prepared, step_count
from finbot.cli._progress import StepProgress, step_progress


def test_on_step_counts_every_step_of_the_run(fake_wiring: FakeWiring) -> None:
    prepared = prepare_run(make_config())
    seen: list[int] = []
    run_prepared(prepared, on_step=seen.append)
    total = step_count(prepared.data)
    assert total > 10
    assert seen == list(range(1, total + 1))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bar_appears_only_after_a_second_and_goes_away() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    clock = Clock()
    bar = StepProgress(1_000, "sma on fake", console=console, clock=clock)
    for step in range(1, 6):  # 0.5 s of fast steps: nothing drawn
        clock.now = step * 0.1
        bar(step)
    assert bar.progress is None and out.getvalue() == ""
    clock.now = 1.5
    bar(600)
    assert bar.progress is not None
    assert bar.progress.tasks[0].completed == 600 and bar.progress.tasks[0].total == 1_000
    bar.close()
    assert bar.progress is None
    assert "sma on fake" in out.getvalue()


def test_no_bar_under_json_or_without_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())  # a pipe or a log file
    with step_progress(10, "x", as_json=False) as hook:
        assert hook is None
    monkeypatch.setattr("sys.stderr", Tty())
    with step_progress(10, "x", as_json=True) as hook:
        assert hook is None
    with step_progress(10, "x", as_json=False) as hook:
        assert isinstance(hook, StepProgress)
