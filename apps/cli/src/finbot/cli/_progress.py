"""A rich progress bar for runs longer than a second; silent under ``--json`` or without a TTY."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SHOW_AFTER_SECONDS = 1.0
REFRESH_SECONDS = 0.1


class StepProgress:
    """``on_step`` hook that shows a bar once a run has taken ``SHOW_AFTER_SECONDS``.

    Updates are throttled to one per ``REFRESH_SECONDS``, so a fast run pays a clock read a step.
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.console = console or Console(stderr=True)
        self.clock = clock
        self.began = clock()
        self.last = self.began
        self.progress: Progress | None = None
        self.task = TaskID(0)

    def __call__(self, step: int) -> None:
        now = self.clock()
        if now - self.last < REFRESH_SECONDS:
            return
        self.last = now
        if self.progress is None:
            if now - self.began < SHOW_AFTER_SECONDS:
                return
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=self.total)
        self.progress.update(self.task, completed=step)

    def close(self) -> None:
        """Remove the bar (if one was shown)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class ChainedSteps:
    """One bar over several runs of ``steps_per_run`` steps each, run one after the other.

    Each run counts its steps from 1; when the count starts again, the runs before are carried.
    """

    def __init__(self, bar: Callable[[int], None], steps_per_run: int) -> None:
        self.bar = bar
        self.steps_per_run = steps_per_run
        self.done = 0
        self.last = 0

    def __call__(self, step: int) -> None:
        if step <= self.last:
            self.done += self.steps_per_run
        self.last = step
        self.bar(self.done + step)


@contextlib.contextmanager
def step_progress(total: int, label: str, *, as_json: bool) -> Iterator[StepProgress | None]:
    """A progress hook for an interactive terminal, for the block.

    None under ``--json`` or without a TTY: nothing is drawn into pipes, logs or JSON.
    """
    if as_json or not sys.stderr.isatty():
        yield None
        return
    progress = StepProgress(total, label)
    try:
        yield progress
    finally:
        progress.close()
