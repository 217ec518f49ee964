from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from finbot_fakes import FakeWiring

from finbot.app import (
    SerialExecutor,
    WalkForwardSpec,
    plan_payload,
    run_walk_forward,
    walk_forward_windows,
)
from finbot.contracts import ConfigError, session_date

DAYS = [date(2020, 1, 1) + timedelta(days=i) for i in range(40)]


def test_rolling_windows_keep_purge_and_embargo_gaps_and_a_fixed_training_length() -> None:
    wf = WalkForwardSpec(folds=3, test_sessions=5, train_sessions=10, purge_sessions=2,
                         embargo_sessions=1)
    folds = walk_forward_windows(DAYS, wf)
    idx = DAYS.index
    assert [(idx(f.test[0]), idx(f.test[1])) for f in folds] == [(23, 27), (29, 33), (35, 39)]
    for f in folds:
        assert idx(f.test[0]) - idx(f.train[1]) == 3  # two purged sessions between
        assert idx(f.train[1]) - idx(f.train[0]) + 1 == 10


def test_anchored_windows_all_start_at_the_first_session() -> None:
    folds = walk_forward_windows(DAYS, WalkForwardSpec(folds=4, anchored=True))
    assert {f.train[0] for f in folds} == {DAYS[0]}
    assert [f.train[1] for f in folds] == [f.test[0] - timedelta(days=1) for f in folds]
    assert folds[-1].test[1] == DAYS[-1]


def test_too_few_sessions_are_refused_with_the_numbers() -> None:
    with pytest.raises(ConfigError, match="40 sessions are too few for 5 folds"):
        walk_forward_windows(DAYS, WalkForwardSpec(folds=5, test_sessions=8, purge_sessions=2))


def test_no_test_window_bar_reaches_training_and_the_winner_runs_out_of_sample(
    fake_wiring: FakeWiring,
) -> None:
    plan = plan_payload(
        {
            "grid": {"fraction": [0.2, 0.5, 0.8]},
            "metric": "total_return",
            "walk_forward": {"folds": 3, "test_sessions": 5, "purge_sessions": 2,
                             "embargo_sessions": 1},
        }
    )
    report = run_walk_forward(plan, SerialExecutor)
    folds = [f.fold for f in report.folds]
    training_calls = testing_calls = 0
    for config, _, data in fake_wiring.engine.calls:
        seen = sorted({session_date(ts) for series in data for ts in series.ts_ns})
        window = (config.start, config.end)
        trained = [f for f in folds if window == f.train]
        tested = [f for f in folds if window == f.test]
        assert len(trained) + len(tested) == 1, window
        if trained:
            training_calls += 1
            fold = trained[0]
            assert fold.train[0] <= seen[0] and seen[-1] <= fold.train[1]
            # The last training bar is purge + 1 sessions before the first test bar.
            assert DAYS.index(fold.test[0]) - DAYS.index(seen[-1]) == 3
        else:
            testing_calls += 1
            assert (seen[0], seen[-1]) == tested[0].test
    assert (training_calls, testing_calls) == (9, 3)

    for result in report.folds:
        assert result.winner is not None and result.out_of_sample is not None
        # The winner is the best of its fold's training runs, and it is what ran out of sample.
        fold_rows = [r for r in report.training.rows
                     if r.index // 3 == result.fold.index]
        best = max(r.metric("total_return") for r in fold_rows)
        assert result.winner.metric("total_return") == best
        assert result.out_of_sample.params == result.winner.params
    # The stitched curve compounds the out-of-sample days of every fold, in order.
    assert len(report.equity) == 15
    assert [d for d, _ in report.equity] == [d for f in folds for d in
                                             DAYS[DAYS.index(f.test[0]):DAYS.index(f.test[1]) + 1]]
    expected = 100_000 * math.prod(1 + r for r in report.oos_returns)
    assert report.equity[-1][1] == pytest.approx(expected)
