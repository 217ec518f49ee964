"""Walk-forward windows: a dataset's sessions cut into training and test windows, fold by fold.

Windows are counted in sessions of the dataset. The test windows are the last ``folds`` blocks of
``test_sessions``, each ``embargo_sessions`` after the one before; a fold's training window ends
``purge_sessions`` before its test window starts, and is ``train_sessions`` long (rolling) or starts
at the first session (anchored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from finbot.contracts import ConfigError

from ._batch_spec import WalkForwardSpec


@dataclass(frozen=True, slots=True)
class Fold:
    """One fold: its training and test windows (first and last session, inclusive)."""

    index: int
    train: tuple[date, date]
    test: tuple[date, date]


def walk_forward_windows(sessions: Sequence[date], wf: WalkForwardSpec) -> list[Fold]:
    """The folds over ``sessions`` (sorted, distinct) that ``wf`` describes.

    Raises:
        ConfigError: The sessions are too few for the folds, windows and gaps asked for.
    """
    n, k = len(sessions), wf.folds
    test = wf.test_sessions or n // (k + 1)
    first_test = n - (k * test + (k - 1) * wf.embargo_sessions)
    train = wf.train_sessions or first_test - wf.purge_sessions
    if test < 1 or train < 1 or first_test - wf.purge_sessions - train < 0:
        training = f"{train} training sessions" if train > 0 else "at least 1 training session"
        raise ConfigError(
            f"walk_forward: {n} sessions are too few for {k} folds of {max(test, 1)} test "
            f"sessions, {training}, purge {wf.purge_sessions} and embargo {wf.embargo_sessions}"
        )
    folds = []
    for i in range(k):
        t0 = first_test + i * (test + wf.embargo_sessions)
        end = t0 - wf.purge_sessions  # the training window ends before this session
        begin = 0 if wf.anchored else end - train
        folds.append(
            Fold(i, (sessions[begin], sessions[end - 1]), (sessions[t0], sessions[t0 + test - 1]))
        )
    return folds
