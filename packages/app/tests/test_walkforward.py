from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from finbot_fakes import FakeEngine, FakeWiring, make_market_data

from finbot.app import (
    BatchProgress,
    BatchSpecError,
    SerialExecutor,
    WalkForwardSpec,
    plan_payload,
    run_walk_forward,
    walk_forward_windows,
)
from finbot.contracts import ConfigError, DatasetRef, MarketData, session_date

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
    [pair] = report.pairs
    assert len(pair.equity) == 15
    assert [d for d, _ in pair.equity] == [d for f in folds for d in
                                             DAYS[DAYS.index(f.test[0]):DAYS.index(f.test[1]) + 1]]
    expected = 100_000 * math.prod(1 + r for r in pair.oos_returns)
    assert pair.equity[-1][1] == pytest.approx(expected)


class _OneExecutor(SerialExecutor):
    """A serial executor that counts how often it is made and started."""

    made: ClassVar[list[_OneExecutor]] = []

    def __init__(self) -> None:
        super().__init__()
        self.made.append(self)
        self.starts = 0

    def start(self, data: Mapping[str, MarketData]) -> None:
        self.starts += 1
        super().start(data)


def _two_datasets_two_engines(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeEngine, dict[str, MarketData]]:
    """Datasets 'a' (40 sessions from 2020-01-01), 'b' (50 from 2020-03-01); engines fake, fake2."""
    from finbot.app import _wiring

    datasets = {
        "a": make_market_data(("AAA",), days=40),
        "b": make_market_data(("BBB",), days=50, first=date(2020, 3, 1)),
    }

    def load(ref: DatasetRef) -> MarketData:
        if ref.paths:  # files: other data, whatever their name
            return make_market_data(("BBB",), days=45)
        return datasets["b" if ref.name == "c" else ref.name]  # 'c': b's data, another name

    monkeypatch.setattr(_wiring, "load_market_data", load)
    second = FakeEngine("fake2")
    monkeypatch.setitem(_wiring.ENGINES, "fake2", (lambda verbose: second, "fake-dist"))
    return second, datasets


def test_every_dataset_and_engine_walks_forward_on_its_own_folds_in_two_batches(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    second, datasets = _two_datasets_two_engines(fake_wiring, monkeypatch)
    plan = plan_payload({
        "datasets": [{"name": "a"}, {"name": "b"}],
        "engines": ["fake", "fake2"],
        "grid": {"fraction": [0.2, 0.5, 0.8]},
        "metric": "total_return",
        "walk_forward": {"folds": 2, "test_sessions": 6, "purge_sessions": 2},
    })
    _OneExecutor.made.clear()
    report = run_walk_forward(plan, _OneExecutor)
    # Both batches ran on one executor, started once with every dataset.
    [executor] = _OneExecutor.made
    assert executor.starts == 1 and not executor.started
    assert [(p.dataset, p.engine) for p in report.pairs] == [
        ("a", "fake"), ("a", "fake2"), ("b", "fake"), ("b", "fake2")
    ]
    # One training batch holds every pair's every fold's grid; one testing batch every winner.
    assert len(report.training.rows) == 4 * 2 * 3 and len(report.testing.rows) == 4 * 2
    # Each dataset's folds come from its own sessions: the last test window ends on its last day.
    sessions = {name: sorted({session_date(ts) for s in d for ts in s.ts_ns})
                for name, d in datasets.items()}
    for pair in report.pairs:
        assert pair.folds[-1].fold.test[1] == sessions[pair.dataset][-1]
        assert len(pair.equity) == 12
    # No run of a pair saw a bar of that pair's test window while training.
    for engine in (fake_wiring.engine, second):
        for config, _, data in engine.calls:
            pair = report.pair(config.dataset.name, config.engine)
            seen = sorted({session_date(ts) for series in data for ts in series.ts_ns})
            [fold] = [f.fold for f in pair.folds if (config.start, config.end)
                      in (f.fold.train, f.fold.test)]
            if (config.start, config.end) == fold.train:
                days = sessions[pair.dataset]
                assert days.index(fold.test[0]) - days.index(seen[-1]) == 3  # purge 2
            else:
                assert (seen[0], seen[-1]) == fold.test
        assert len(engine.calls) == 2 * (2 * 3 + 2)  # per dataset: 2 folds x (3 train + 1 test)
    for result in report.folds:
        assert result.out_of_sample is not None and result.winner is not None
        assert result.out_of_sample.params == result.winner.params
    cross = report.cross_pair_summary()
    assert cross["pairs"] == 4
    # fake and fake2 are the same simulated broker: they pick the same winner in every fold.
    assert cross["engine_agreement"] == 1.0
    payload = report.to_payload()
    assert [p["dataset"] for p in payload["pairs"]] == ["a", "a", "b", "b"]
    assert "folds" not in payload  # only a single pair's folds are also at the top


def test_engines_or_datasets_twice_and_too_short_datasets_are_refused_before_any_run(
    fake_wiring: FakeWiring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    second, _ = _two_datasets_two_engines(fake_wiring, monkeypatch)
    (tmp_path / "b.csv").write_text("")  # read by the fake loader as other data
    plan = plan_payload({
        "datasets": [{"name": "a"}, {"name": "b"}, {"name": "a"}, {"name": "c"},
                     {"name": "b", "paths": [str(tmp_path / "b.csv")]}],
        "engines": ["fake", "fake2", "fake"],
        "walk_forward": {"folds": 4, "test_sessions": 10},
    })
    with pytest.raises(BatchSpecError) as caught:
        run_walk_forward(plan, SerialExecutor)
    assert caught.value.problems == [
        "engines: 'fake' is listed twice; a walk-forward runs each engine once",
        "datasets[0] ('a'): walk_forward: 40 sessions are too few for 4 folds of 10 test "
        "sessions, at least 1 training session, purge 0 and embargo 0",
        "datasets[2]: the same data and window as datasets[0]",
        "datasets[3]: the same data and window as datasets[1]",  # under another name
        "datasets[4]: named 'b' like datasets[1]; give each dataset its own name",
    ]
    assert fake_wiring.engine.calls == [] and second.calls == []


def test_a_fold_run_has_the_config_and_key_that_planning_its_window_gives(
    fake_wiring: FakeWiring,
) -> None:
    # So a walk-forward recorded before fold runs were moved instead of re-planned still resumes.
    from finbot.app import plan_batch
    from finbot.app._walkforward_plan import FoldJob, fold_plan

    plan = plan_payload({"grid": {"fraction": [0.2, 0.5]}})
    window = (DAYS[5], DAYS[20])
    planned = plan_batch(plan.spec.model_copy(update={"start": window[0], "end": window[1]}))
    moved = fold_plan(plan, [FoldJob(r, window, ("t",)) for r in plan.runs])
    assert [r.config for r in moved.runs] == [r.config for r in planned.runs]
    assert [r.key for r in moved.runs] == [r.key for r in planned.runs]
    assert [r.key for r in moved.runs] != [r.key for r in plan.runs]
    [data] = moved.windows.values()
    assert data.bar_count == next(iter(planned.windows.values())).bar_count == 2 * 16


def test_progress_counts_both_batches_as_one_walk_forward(fake_wiring: FakeWiring) -> None:
    plan = plan_payload({"grid": {"fraction": [0.2, 0.5, 0.8]},
                         "walk_forward": {"folds": 3, "test_sessions": 5}})
    seen: list[BatchProgress] = []
    run_walk_forward(plan, SerialExecutor, on_progress=seen.append)
    assert {p.total for p in seen} == {3 * 3 + 3}  # the out-of-sample runs counted from the start
    done = [p.done for p in seen]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 12
    assert seen[-1].succeeded == 12 and seen[-1].running == 0


@pytest.mark.parametrize("warmup", [4, 0, 100])
def test_out_of_sample_runs_warm_up_before_the_test_window_and_count_only_the_window(
    fake_wiring: FakeWiring, warmup: int
) -> None:
    plan = plan_payload({
        "grid": {"fraction": [0.2, 0.5]},
        "metric": "total_return",
        "walk_forward": {"folds": 3, "test_sessions": 5, "purge_sessions": 2,
                         "warmup_sessions": warmup},
    })
    report = run_walk_forward(plan, SerialExecutor)
    folds = {f.fold.test: f for f in report.folds}
    tested = [(config, data) for config, _, data in fake_wiring.engine.calls
              if any(config.end == test[1] for test in folds)]
    assert len(tested) == 3
    # Training still sees no bar of its fold's test window (nor the purged sessions before it).
    trained = [(config, data) for config, _, data in fake_wiring.engine.calls
               if (config.start, config.end) in {f.fold.train for f in folds.values()}]
    assert len(trained) == 3 * 2
    for config, data in trained:
        last = max(session_date(ts) for series in data for ts in series.ts_ns)
        fold = next(f.fold for f in folds.values() if f.fold.train[1] == config.end)
        assert DAYS.index(fold.test[0]) - DAYS.index(last) == 3
    for config, data in tested:
        seen = sorted({session_date(ts) for series in data for ts in series.ts_ns})
        result = next(f for f in folds.values() if f.fold.test[1] == config.end)
        fold = result.fold
        first = DAYS.index(fold.test[0])
        warm = [d for d in seen if d < fold.test[0]]
        # The warm-up: the `warmup` sessions just before the test window (fewer when the
        # dataset starts later), then exactly the test window.
        assert warm == DAYS[max(0, first - warmup):first]
        assert seen[len(warm):] == DAYS[first:DAYS.index(fold.test[1]) + 1]
        assert result.warmup_sessions == len(warm) and result.run_start == seen[0]
        oos = result.out_of_sample
        assert oos is not None and oos.metrics is not None
        # Figures of the test window only: its days, and the gain from the last warm-up day.
        assert oos.days == tuple(DAYS[first:first + 5])
        assert oos.metrics.total_return == pytest.approx(math.prod(1 + r for r in
                                                                   oos.daily_returns) - 1)
        # Buy-and-hold buys on its first bar: a warm-up run enters the window holding it.
        assert result.open_at_test_start is (len(warm) > 1)
    [pair] = report.pairs
    assert pair.summary()["oos_days"] == len(pair.equity) == 15
    frame = report.fold_frame()
    assert list(frame["warmup_sessions"]) == [f.warmup_sessions for f in report.folds]
    assert list(frame["open_at_test_start"]) == [f.open_at_test_start for f in report.folds]
    assert [f["warmup_sessions"] for f in report.to_payload()["folds"]] == list(
        frame["warmup_sessions"])
