"""The cohort page's walk-forward folds when a walk-forward covers several datasets and engines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from reports_fixtures import market, run, trading_days

from finbot.reports import CohortRun, cohort_page, walk_forward_folds
from finbot.reports._folds import _stitched

PAIRS = (("d1", "sim"), ("d1", "backtrader"), ("d2", "sim"))


def _runs() -> list[CohortRun]:
    runs: list[CohortRun] = []
    for p, (dataset, engine) in enumerate(PAIRS):
        for fold, first in enumerate((date(2022, 1, 3), date(2022, 7, 1))):
            train = trading_days(first, 60)
            test = trading_days(train[-1] + timedelta(days=3), 40)
            for role, days, every in (("train", train, 5), ("train", train, 10),
                                      ("test", test, 7 + p + fold)):
                result = run(market(days, seed=p * 10 + fold), every=every, engine=engine)
                config = result.config.model_copy(update={
                    "start": days[0], "end": days[-1],
                    "dataset": result.config.dataset.model_copy(update={"name": dataset}),
                })
                runs.append(CohortRun(f"r{len(runs)}", result.model_copy(
                    update={"config": config}), ("walkforward:w1", f"fold:{fold}:{role}")))
    return runs


def test_each_pair_has_its_own_folds_and_stitched_growth() -> None:
    runs = _runs()
    folds = walk_forward_folds(runs)
    assert [(f.dataset, f.engine, f.index, len(f.training)) for f in folds] == [
        (d, e, k, 2) for d, e in PAIRS for k in (0, 1)
    ]
    for p in range(len(PAIRS)):
        tests = [runs[p * 6 + 2], runs[p * 6 + 5]]  # each fold's third run is its OOS run
        growth = [r.result.metrics.final_equity / r.result.metrics.starting_equity
                  for r in tests]
        pair = folds[2 * p:2 * p + 2]
        assert [f.out_of_sample for f in pair] == tests
        # Compounded within the pair only: the first fold of every pair starts again from 1.
        assert [f.growth for f in pair] == [pytest.approx(growth[0]),
                                            pytest.approx(growth[0] * growth[1])]


def test_the_page_names_each_folds_pair_and_restarts_each_pairs_curve() -> None:
    runs = _runs()
    html = cohort_page(runs).render()
    assert "<tr><th>Dataset</th><th>Engine</th><th>Fold</th>" in html
    assert "<tr><td>d1</td><td>backtrader</td><td class=num>1</td>" in html
    assert "d2 on sim, fold 1: r17" in html
    traces = _stitched(walk_forward_folds(runs), True)["data"]
    firsts = [t["y"][0] for t in traces[::2]]  # the first point of each pair's first fold
    assert firsts == [pytest.approx(1.0)] * 3
    assert len({t["legendgroup"] for t in traces}) == 3


def test_a_warmed_up_oos_run_counts_only_its_tagged_test_window() -> None:
    # The OOS run starts 10 sessions early (its warm-up) and is tagged with its test window.
    days = trading_days(date(2022, 3, 1), 30)
    test = (days[10], days[-1])
    result = run(market(days, seed=3), every=6)
    config = result.config.model_copy(update={"start": days[0], "end": days[-1]})
    tags = ("walkforward:w2", "fold:0:test", f"test-window:{test[0]}..{test[1]}")
    oos = CohortRun("oos", result.model_copy(update={"config": config}), tags)
    train = CohortRun("t", run(market(days[:10], seed=4)), ("walkforward:w2", "fold:0:train"))
    [fold] = walk_forward_folds([train, oos])
    equity = result.equity_curve.equity
    assert fold.test_window == test
    # Growth from the last warm-up session's equity, not from the run's starting cash.
    assert fold.growth == pytest.approx(equity[-1] / equity[9])
    assert fold.growth != pytest.approx(equity[-1] / result.metrics.starting_equity)
    assert fold.scored is not None and fold.scored.open_at_start  # bought on day 5, held
    [trace] = _stitched([fold], False)["data"]
    assert trace["y"][0] == pytest.approx(equity[10] / equity[9])  # the window's first day
    html = cohort_page([train, oos]).render()
    assert f"{test[0]} .. {test[1]} (warm-up from {days[0]}), held" in html
