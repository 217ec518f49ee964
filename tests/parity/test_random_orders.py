"""Randomized parity: seeded random order flow agrees exactly on Backtrader and NautilusTrader.

Each seed picks a dataset (synthetic daily, synthetic 5-minute, or a window of the golden dataset
with its missing session and back-adjusted prices) and drives ``RandomOrders`` (tests/support) on
both engines under both fill policies (the cost model, free or broker-like, alternates between
seeds); ``compare_results(..., EXACT)`` must find no breach. The cases where the engines still
differ are strict xfails, each with a minimal reproducer at the bottom of this file.
``test_random_flow_exercises_every_order_kind`` proves the flow is not empty.

``FINBOT_PARITY_SEEDS`` runs other seeds: ``200`` (seeds 0-199), ``100-299`` or ``7,12,40``; the
bugs pinned below then show up in about one case in ten, with their reproducer's message.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import pytest
from random_orders import RandomOrders

from finbot.contracts import (
    END_OF_DATA,
    BacktestResult,
    Bar,
    BarSeries,
    CostModel,
    DatasetRef,
    EngineRunError,
    FillPolicy,
    Instrument,
    MarketData,
    OrderStatus,
    OrderType,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategySpec,
    from_ns,
    to_ns,
)
from finbot.data import load_dataset, synthetic_daily, synthetic_intraday
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.parity import EXACT, ParityReport, compare_results

COSTS = {
    "free": CostModel(),
    "broker": CostModel(commission_bps=5.0, commission_per_share=0.005, commission_minimum=1.0),
}
N_BARS = 200
DATASETS = ("daily", "intraday", "golden")


def _seeds() -> list[int]:
    raw = os.environ.get("FINBOT_PARITY_SEEDS", "").strip()
    if not raw:
        return list(range(40))
    if "," in raw:
        return [int(s) for s in raw.split(",") if s.strip()]
    if "-" in raw:
        lo, hi = raw.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return list(range(int(raw)))


SEEDS = _seeds()


@cache
def _golden() -> MarketData:
    return load_dataset("golden")


def case_data(seed: int) -> MarketData:
    """The seed's dataset: three instruments, about ``N_BARS`` steps."""
    kind = DATASETS[seed % len(DATASETS)]
    if kind == "daily":
        return synthetic_daily(n_bars=N_BARS, instruments=3, seed=seed)
    if kind == "intraday":
        return synthetic_intraday(n_bars=N_BARS, instruments=3, seed=seed)
    rng = random.Random(f"golden window {seed}")
    golden = _golden()
    # DELTA misses a session and BRAVO is back-adjusted for a split: keep both in most windows
    others = [i for i in golden.instrument_ids if i != "DELTA"]
    ids = sorted({"DELTA", *rng.sample(others, 2)})
    delta_days = [from_ns(ts).date() for ts in golden.bars("DELTA").ts_ns]
    sessions = [from_ns(ts).date() for ts in golden.bars("ALPHA").ts_ns]
    missing = sorted(set(sessions) - set(delta_days))[0]
    gap = sessions.index(missing)
    if (seed // len(DATASETS)) % 4 != 3:
        first = rng.randint(max(0, gap - N_BARS + 10), gap - 10)
    else:
        first = rng.randint(0, len(sessions) - N_BARS)
    subset = MarketData(
        [golden.instruments[i] for i in ids],
        [golden.bars(i) for i in ids],
        [a for a in golden.corporate_actions if a.instrument_id in ids],
        name="golden",
    )
    return subset.between(sessions[first], sessions[first + N_BARS - 1])


@dataclass(frozen=True)
class Case:
    seed: int
    policy: FillPolicy
    costs: str

    @property
    def label(self) -> str:
        return f"seed={self.seed} data={DATASETS[self.seed % 3]} {self.policy} costs={self.costs}"


@dataclass(frozen=True)
class Outcome:
    bt: BacktestResult
    nt: BacktestResult
    report: ParityReport
    intents: Counter[str]


@cache
def run_case(case: Case) -> Outcome:
    data = case_data(case.seed)
    cash = random.Random(f"cash {case.seed}").choice([10_000.0, 50_000.0, 250_000.0])
    config = RunConfig(
        strategy=StrategySpec(id=RandomOrders.strategy_id, params={}),
        dataset=DatasetRef(name=data.name),
        starting_cash=cash,
        cost_model=COSTS[case.costs],
        fill_policy=case.policy,
        seed=case.seed,
    )
    bt_strategy = RandomOrders(case.seed, data)
    bt = BacktraderEngine().run(config, bt_strategy, data)
    nt_config = config.model_copy(update={"engine": "nautilus"})
    nt = NautilusEngine().run(nt_config, RandomOrders(case.seed, data), data)
    return Outcome(bt, nt, compare_results(bt, nt, EXACT), bt_strategy.intents)


def case_costs(seed: int) -> str:
    """Each dataset kind meets both cost models, a seed only one (keeps the file near 30 s)."""
    return list(COSTS)[(seed // len(DATASETS)) % len(COSTS)]


CASES = [Case(s, p, case_costs(s)) for s in SEEDS for p in FillPolicy]

CLOSE_AT_LOW = (
    "this_close market order after a same-side intra-bar fill (buy limit / sell stop) on a bar "
    "whose close equals its low: Nautilus skips the close tick, so its book still stands at the "
    "earlier fill's price and fills the market order there; the run raises EngineRunError (the "
    "adapter's price check, or Nautilus's forced stop when that price overdraws the cash) "
    "(reproducer: test_close_at_low_after_intrabar_fill)"
)
TWO_LIMITS = (
    "two resting limit-priced orders on the same side and instrument both fill inside one bar: "
    "Nautilus moves its book to the first fill's price, so the second, less aggressive one cannot "
    "fill; the adapter raises EngineRunError (reproducer: test_two_limits_fill_in_one_bar)"
)
STOP_LIMIT_OVER_GAP = (
    "a stop-limit that triggers, unfilled, on the last bar before its instrument misses a "
    "session: Backtrader evaluates it again on that same bar during the missing step (the ADR "
    "0003 quirk) and fills it there, at the bar's open; Nautilus fills it on the next real bar "
    "(reproducer: test_stop_limit_triggered_before_missing_session)"
)
# (seed, policy, costs) -> why the engines differ; each has a minimal reproducer at the bottom.
# Bars are (open, high, low, close) of the instrument on the step where the engines part ways.
KNOWN_DISAGREEMENTS: dict[tuple[int, FillPolicy, str], str] = {
    # FOXTROT 2022-02-04 (72.58, 72.58, 70.98, 70.98): O-000119 buy limit 72.33 fills at 72.33,
    # then O-000120 market buy placed that step; Nautilus fills it at 72.33, not 70.98
    (2, FillPolicy.THIS_CLOSE, "free"): CLOSE_AT_LOW,
    # ECHO 2022-07-22 (95.65, 95.65, 92.74, 92.74): O-000115 sell stop 94.55 fills at 94.55, then
    # O-000117 market sell placed that step; Nautilus fills it at 94.55, not 92.74
    (5, FillPolicy.THIS_CLOSE, "broker"): CLOSE_AT_LOW,
    # ECHO 2022-10-06 (113.72, 114.93, 111.35, 111.35): O-000139 buy limit 112.75, then O-000142
    # market buy; Nautilus fills it at 112.75, not 111.35
    (26, FillPolicy.THIS_CLOSE, "free"): CLOSE_AT_LOW,
    # CHARLIE 2022-02-17 (50.0577.., 50.0577.., 49.4755.., 49.7814..): O-000058 (stop-limit, limit
    # 49.51, triggered earlier) and O-000062 (buy limit 49.65) both fill at their limits;
    # Nautilus fills only O-000062
    (32, FillPolicy.NEXT_OPEN, "free"): TWO_LIMITS,
    (32, FillPolicy.THIS_CLOSE, "free"): TWO_LIMITS,
    # SYN01 1925-06-30 (58.4916.., 58.4916.., 57.2253.., 57.6726..): O-000098 buy limit 57.24 and
    # O-000099 buy stop-limit (stop 58.05, limit 58.19) both fill; Nautilus fills only O-000099
    (36, FillPolicy.NEXT_OPEN, "free"): TWO_LIMITS,
    (36, FillPolicy.THIS_CLOSE, "free"): TWO_LIMITS,
}


def _param(case: Case) -> object:
    reason = KNOWN_DISAGREEMENTS.get((case.seed, case.policy, case.costs))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=f"{case.seed}-{case.policy}-{case.costs}", marks=marks)


def _first_difference(bt: BacktestResult, nt: BacktestResult) -> str:
    for kind, left, right in (("order", bt.orders, nt.orders), ("fill", bt.fills, nt.fills)):
        for a, b in zip(left, right, strict=False):
            if a != b:
                return f"first differing {kind}:\n  backtrader {a}\n  nautilus   {b}"
        if len(left) != len(right):
            return f"{kind} counts differ: backtrader {len(left)}, nautilus {len(right)}"
    return "orders and fills identical"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_random_orders_agree(case: Case) -> None:
    print(case.label)
    outcome = run_case(case)
    assert outcome.report.ok, (
        f"{case.label}: {outcome.report.breaches}\n{_first_difference(outcome.bt, outcome.nt)}"
    )


def exercised(result: BacktestResult) -> Counter[str]:
    """What actually happened to the orders of one run, by kind."""
    counts: Counter[str] = Counter()
    fills = {f.order_id: f for f in result.fills}
    for order in result.orders:
        req = order.request
        kind = str(req.order_type)
        if order.status is OrderStatus.FILLED:
            price = fills[order.order_id].price
            if req.order_type is OrderType.LIMIT:
                kind += " filled at its limit" if price == req.limit_price else " filled at open"
            elif req.order_type is OrderType.STOP:
                kind += " filled at its stop" if price == req.stop_price else " filled at open"
            else:
                kind += " filled"
        elif order.status is OrderStatus.CANCELED:
            kind += " canceled at end" if order.reason == END_OF_DATA else " canceled"
        else:
            kind += f" {order.status}"
        counts[kind] += 1
        counts[f"{req.time_in_force} orders"] += 1
    return counts


@pytest.mark.skipif(
    len(SEEDS) < 20, reason="order-kind coverage is asserted over at least 20 seeds"
)
def test_random_flow_exercises_every_order_kind() -> None:
    seen: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    for case in CASES:
        try:
            outcome = run_case(case)
        except Exception:  # reported by its own test above
            continue
        if not outcome.report.ok:
            continue
        seen.update(exercised(outcome.bt))
        intents.update(outcome.intents)
    print(sorted(seen.items()), sorted(intents.items()), sep="\n")
    for kind in (
        "market filled",
        "market rejected",
        "limit filled at its limit",
        "limit filled at open",
        "limit canceled",
        "limit canceled at end",
        "limit expired",
        "stop filled at its stop",
        "stop filled at open",
        "stop expired",
        "stop_limit filled",
        "stop_limit canceled at end",
        "day orders",
        "gtc orders",
    ):
        assert seen[kind] > 0, f"no run had a {kind!r} order: {sorted(seen.items())}"
    for intent in (
        "rebalance order",
        "cancel",
        "cancel, same step",
        "oversize buy",
        "tight buy",
        "working over a missing session",
        "placed on the final step",
    ):
        assert intents[intent] > 0, f"the flow never did {intent!r}: {sorted(intents.items())}"


# --- minimal reproducers of what the random flow found ----------------------------------------
DAYS = [to_ns(date(2024, 1, 2)) + i * 86_400 * 10**9 for i in range(5)]
BEFORE = ((100.0, 102.0, 99.0, 101.0), (101.0, 103.0, 100.0, 102.0))
AFTER = ((99.0, 100.0, 98.0, 99.5), (99.5, 100.0, 99.0, 99.8))

Action = Callable[[StrategyContext], object]


class Scripted(Strategy):
    strategy_id = "scripted"

    def __init__(self, script: Mapping[int, list[Action]]) -> None:
        super().__init__()
        self.script = script
        self._step = -1

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        self._step += 1
        for action in self.script.get(self._step, []):
            action(ctx)


def _run_both(
    step_2: tuple[float, float, float, float],
    script: Mapping[int, list[Action]],
    policy: FillPolicy,
) -> tuple[BacktestResult, BacktestResult]:
    rows = (*BEFORE, step_2, *AFTER)
    data = MarketData(
        [Instrument(id="AAA")],
        [
            BarSeries.from_bars(
                "AAA", [Bar(t, *r, 1_000.0) for t, r in zip(DAYS, rows, strict=True)]
            )
        ],
        name="hand-made",
    )
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        fill_policy=policy,
    )
    bt = BacktraderEngine().run(config, Scripted(script), data)
    nt_config = config.model_copy(update={"engine": "nautilus"})
    return bt, NautilusEngine().run(nt_config, Scripted(script), data)


# Step 2's bar closes at its low, 99.0; the market order placed on step 2 must fill there.
CLOSE_AT_LOW_CASES: dict[str, Mapping[int, list[Action]]] = {
    # the sell stop at 100 fills inside bar 2; Nautilus then fills the market sell at 100.0
    "sell stop, then market sell": {
        0: [lambda ctx: ctx.buy("AAA", 20)],
        1: [lambda ctx: ctx.sell("AAA", 10, stop_price=100.0)],
        2: [lambda ctx: ctx.sell("AAA", 10)],
    },
    # the buy limit at 100 fills inside bar 2; Nautilus then fills the market buy at 100.0
    "buy limit, then market buy": {
        1: [lambda ctx: ctx.buy("AAA", 10, limit_price=100.0)],
        2: [lambda ctx: ctx.buy("AAA", 10)],
    },
    # the same buy spending all the cash at 99.0: at Nautilus's 100.0 the cash account goes
    # negative and Nautilus stops the backtest (seed 206 of the random flow met it this way)
    "buy limit, then market buy of all the cash": {
        1: [lambda ctx: ctx.buy("AAA", 10, limit_price=100.0)],
        2: [lambda ctx: ctx.buy("AAA", 1_000)],
    },
}


@pytest.mark.xfail(strict=True, raises=EngineRunError, reason=CLOSE_AT_LOW)
@pytest.mark.parametrize("case", list(CLOSE_AT_LOW_CASES))
def test_close_at_low_after_intrabar_fill(case: str) -> None:
    script = CLOSE_AT_LOW_CASES[case]
    bt, nt = _run_both((101.5, 102.0, 99.0, 99.0), script, FillPolicy.THIS_CLOSE)
    assert bt.fills[-1].price == 99.0  # the close, as ADR 0003 says
    assert compare_results(bt, nt, EXACT).breaches == ()


# Bar 2 (101.5, 102.5, 99.0, 100.0) reaches both limits of each pair; ADR 0003 fills both.
TWO_LIMIT_CASES: dict[str, Mapping[int, list[Action]]] = {
    # Nautilus fills the 100.5 limit, then its ask stands at 100.5, above the 99.5 limit
    "two buy limits": {
        1: [
            lambda ctx: ctx.buy("AAA", 10, limit_price=99.5),
            lambda ctx: ctx.buy("AAA", 10, limit_price=100.5),
        ]
    },
    # the same on the high: the 102.0 sell fills, its bid stands at 102.0, below the 102.4 limit
    "two sell limits": {
        0: [lambda ctx: ctx.buy("AAA", 20)],
        1: [
            lambda ctx: ctx.sell("AAA", 10, limit_price=102.0),
            lambda ctx: ctx.sell("AAA", 10, limit_price=102.4),
        ],
    },
}


@pytest.mark.xfail(strict=True, raises=EngineRunError, reason=TWO_LIMITS)
@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("case", list(TWO_LIMIT_CASES))
def test_two_limits_fill_in_one_bar(case: str, policy: FillPolicy) -> None:
    bt, nt = _run_both((101.5, 102.5, 99.0, 100.0), TWO_LIMIT_CASES[case], policy)
    assert [f.price for f in bt.fills][-2:] in ([99.5, 100.5], [102.0, 102.4])
    assert compare_results(bt, nt, EXACT).breaches == ()


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=STOP_LIMIT_OVER_GAP)
@pytest.mark.parametrize("policy", list(FillPolicy))
def test_stop_limit_triggered_before_missing_session(policy: FillPolicy) -> None:
    # BBB has no bar on step 3. The sell stop-limit (stop 99.5, limit 100.5), placed on step 1,
    # triggers on bar 2 (low 99.0) but cannot fill there (Backtrader's trigger-bar rule, the
    # close 99.0 is below the limit). Placed two steps before the gap, so ADR 0007's known
    # difference 1 (placed the step before) does not cover it. Backtrader: fill at 101.5, bar 2's
    # open, labelled bar 2. Nautilus: fill at 100.5 on bar 4.
    rows = ((100.0, 102.0, 99.0, 101.0), (101.0, 103.0, 100.0, 102.0), (101.5, 101.5, 99.0, 99.0))
    last = (98.0, 101.0, 97.5, 100.0)
    aaa = [*rows, (98.0, 99.0, 95.0, 97.0), last]
    bbb = [*rows, last]
    data = MarketData(
        [Instrument(id="AAA"), Instrument(id="BBB")],
        [
            BarSeries.from_bars(
                "AAA", [Bar(t, *r, 1_000.0) for t, r in zip(DAYS, aaa, strict=True)]
            ),
            BarSeries.from_bars(
                "BBB",
                [Bar(t, *r, 1_000.0) for t, r in zip(DAYS[:3] + DAYS[4:], bbb, strict=True)],
            ),
        ],
        name="hand-made",
    )
    script: Mapping[int, list[Action]] = {
        0: [lambda ctx: ctx.buy("BBB", 10)],
        1: [lambda ctx: ctx.sell("BBB", 10, stop_price=99.5, limit_price=100.5)],
    }
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        fill_policy=policy,
    )
    bt = BacktraderEngine().run(config, Scripted(script), data)
    if (bt.fills[-1].price, bt.fills[-1].ts_ns) != (101.5, DAYS[2]):
        # not an AssertionError, so the xfail below cannot swallow a change in Backtrader
        pytest.fail(f"Backtrader no longer fills as this reproducer says: {bt.fills[-1]}")
    nt_config = config.model_copy(update={"engine": "nautilus"})
    nt = NautilusEngine().run(nt_config, Scripted(script), data)
    assert compare_results(bt, nt, EXACT).breaches == ()
