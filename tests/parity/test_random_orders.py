"""Randomized parity: seeded random order flow agrees exactly on Backtrader, Nautilus and sim.

Each seed picks a dataset (synthetic daily, synthetic 5-minute, or a window of the golden dataset
with its missing session and back-adjusted prices) and drives ``RandomOrders`` (tests/support) on
both engines under both fill policies (the cost model, free or broker-like, alternates between
seeds); ``compare_results(..., EXACT)`` must find no breach. Cases where the engines differ
are listed as strict xfails (``KNOWN_DISAGREEMENTS``), each with a minimal reproducer at the
bottom of this file; the reproducers of the findings already fixed stay as regression tests.
``test_random_flow_exercises_every_order_kind`` proves the flow is not empty. At the bottom, the
same flow with IOC/FOK and ``ctx.modify_order`` (``order_kinds=True``) runs on Backtrader,
Nautilus, sim and paper (ADR 0020).

``FINBOT_PARITY_SEEDS`` runs other seeds: ``200`` (seeds 0-199), ``100-299`` or ``7,12,40``.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pytest
from random_orders import RandomOrders
from scripted_runs import DAYS, Action, Scripted, hand_made_market, run_on_both_engines

from finbot.contracts import (
    END_OF_DATA,
    BacktestResult,
    CostModel,
    DatasetRef,
    FillPolicy,
    MarketData,
    OrderStatus,
    OrderType,
    RunConfig,
    StrategySpec,
    from_ns,
)
from finbot.data import load_dataset, synthetic_daily, synthetic_intraday
from finbot.engine_backtrader import BacktraderEngine
from finbot.engine_nautilus import NautilusEngine
from finbot.engine_sim import SimEngine
from finbot.paper_broker import PaperEngine
from finbot.parity import EXACT, ParityReport, compare_results

COSTS = {
    "free": CostModel(),
    "broker": CostModel(commission_bps=5.0, commission_per_share=0.005, commission_minimum=1.0),
    "slipped": CostModel(commission_bps=5.0, slippage_bps=7.5, spread_bps=12.0),
    # volume-based costs: fills capped at a share of bar volume (partial fills that keep
    # working), volume-share slippage and square-root impact
    "volume": CostModel(
        commission_bps=5.0, volume_limit=2e-5, volume_impact=0.1, impact_y=1.0, impact_window=10
    ),
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
    sim_report: ParityReport
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
    sim_config = config.model_copy(update={"engine": "sim"})
    sim = SimEngine().run(sim_config, RandomOrders(case.seed, data), data)
    return Outcome(
        bt, nt, compare_results(bt, nt, EXACT), compare_results(bt, sim, EXACT), bt_strategy.intents
    )


def case_costs(seed: int) -> str:
    """Each dataset kind meets both cost models, a seed only one (keeps the file near 30 s)."""
    return list(COSTS)[(seed // len(DATASETS)) % len(COSTS)]


CASES = [Case(s, p, case_costs(s)) for s in SEEDS for p in FillPolicy]

# (seed, policy, costs) -> why the engines differ, each with a minimal reproducer at the bottom.
# Empty: the three findings of the first runs (a close equal to the bar's low after an intra-bar
# fill, two limits filling in one bar, a stop-limit triggered before a missing session) are fixed
# and their reproducers below now pass.
KNOWN_DISAGREEMENTS: dict[tuple[int, FillPolicy, str], str] = {}


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


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label.replace(" ", "-")) for c in CASES])
def test_random_orders_agree_on_the_sim_engine(case: Case) -> None:
    # The same seeds on the simulated broker; it shares none of Nautilus's known differences.
    report = run_case(case).sim_report
    assert report.ok, f"{case.label}: {report.breaches}"


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
BEFORE = ((100.0, 102.0, 99.0, 101.0), (101.0, 103.0, 100.0, 102.0))
AFTER = ((99.0, 100.0, 98.0, 99.5), (99.5, 100.0, 99.0, 99.8))

def _run_both(
    step_2: tuple[float, float, float, float],
    script: Mapping[int, list[Action]],
    policy: FillPolicy,
) -> tuple[BacktestResult, BacktestResult]:
    rows = (*BEFORE, step_2, *AFTER)
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        fill_policy=policy,
    )
    return run_on_both_engines(lambda: Scripted(script), hand_made_market(AAA=(rows, DAYS)), config)


# Step 2's bar closes at its low, 99.0; the market order placed on step 2 must fill there.
CLOSE_AT_LOW_CASES: dict[str, Mapping[int, list[Action]]] = {
    # the sell stop at 100 fills inside bar 2; Nautilus's book then stayed at 100.0 (was a bug)
    "sell stop, then market sell": {
        0: [lambda ctx: ctx.buy("AAA", 20)],
        1: [lambda ctx: ctx.sell("AAA", 10, stop_price=100.0)],
        2: [lambda ctx: ctx.sell("AAA", 10)],
    },
    # the buy limit at 100 fills inside bar 2; the market buy must still fill at 99.0
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


@pytest.mark.parametrize("case", list(CLOSE_AT_LOW_CASES))
def test_close_at_low_after_intrabar_fill(case: str) -> None:
    script = CLOSE_AT_LOW_CASES[case]
    bt, nt = _run_both((101.5, 102.0, 99.0, 99.0), script, FillPolicy.THIS_CLOSE)
    assert bt.fills[-1].price == 99.0  # the close, as ADR 0003 says
    assert compare_results(bt, nt, EXACT).breaches == ()


# Bar 2 (101.5, 102.5, 99.0, 100.0) reaches both limits of each pair; ADR 0003 fills both.
TWO_LIMIT_CASES: dict[str, Mapping[int, list[Action]]] = {
    # a Nautilus limit fill at 100.5 moved its ask there, above the 99.5 limit (was a bug)
    "two buy limits": {
        1: [
            lambda ctx: ctx.buy("AAA", 10, limit_price=99.5),
            lambda ctx: ctx.buy("AAA", 10, limit_price=100.5),
        ]
    },
    # the same on the high: a 102.0 sell limit fill moved the bid below the 102.4 limit
    "two sell limits": {
        0: [lambda ctx: ctx.buy("AAA", 20)],
        1: [
            lambda ctx: ctx.sell("AAA", 10, limit_price=102.0),
            lambda ctx: ctx.sell("AAA", 10, limit_price=102.4),
        ],
    },
}


@pytest.mark.parametrize("policy", list(FillPolicy))
@pytest.mark.parametrize("case", list(TWO_LIMIT_CASES))
def test_two_limits_fill_in_one_bar(case: str, policy: FillPolicy) -> None:
    bt, nt = _run_both((101.5, 102.5, 99.0, 100.0), TWO_LIMIT_CASES[case], policy)
    assert [f.price for f in bt.fills][-2:] in ([99.5, 100.5], [102.0, 102.4])
    assert compare_results(bt, nt, EXACT).breaches == ()


@pytest.mark.parametrize("policy", list(FillPolicy))
def test_stop_limit_triggered_before_missing_session(policy: FillPolicy) -> None:
    # BBB has no bar on step 3. The sell stop-limit (stop 99.5, limit 100.5), placed on step 1,
    # triggers on bar 2 (low 99.0) but cannot fill there (Backtrader's trigger-bar rule, the
    # close 99.0 is below the limit). Placed two steps before the gap, so ADR 0007's known
    # difference 1 (placed the step before) does not cover it. Backtrader: fill at 101.5, bar 2's
    # open, labelled bar 2 (the adapter used to fill it at 100.5 on bar 4).
    rows = ((100.0, 102.0, 99.0, 101.0), (101.0, 103.0, 100.0, 102.0), (101.5, 101.5, 99.0, 99.0))
    last = (98.0, 101.0, 97.5, 100.0)
    aaa = [*rows, (98.0, 99.0, 95.0, 97.0), last]
    bbb = [*rows, last]
    data = hand_made_market(AAA=(aaa, DAYS), BBB=(bbb, DAYS[:3] + DAYS[4:]))
    script: Mapping[int, list[Action]] = {
        0: [lambda ctx: ctx.buy("BBB", 10)],
        1: [lambda ctx: ctx.sell("BBB", 10, stop_price=99.5, limit_price=100.5)],
    }
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="hand-made"),
        fill_policy=policy,
    )
    bt, nt = run_on_both_engines(lambda: Scripted(script), data, config)
    assert (bt.fills[-1].price, bt.fills[-1].ts_ns) == (101.5, DAYS[2]), bt.fills[-1]
    assert compare_results(bt, nt, EXACT).breaches == ()


# --- the paper broker on the same random flow -----------------------------------------------------
# Its replay must equal the Backtrader baseline exactly (issue 8). A third of the cases keeps the
# file's run time in bounds; FINBOT_PARITY_SEEDS widens it like the rest of the file.
PAPER_CASES = [c for c in CASES if c.seed % 3 == 0 or os.environ.get("FINBOT_PARITY_SEEDS")]


@pytest.mark.parametrize("case", [_param(c) for c in PAPER_CASES])
def test_random_orders_agree_on_the_paper_broker(case: Case) -> None:
    from finbot.paper_broker import PaperEngine

    bt = run_case(case).bt
    data = case_data(case.seed)
    config = bt.config.model_copy(update={"engine": "paper"})
    paper = PaperEngine().run(config, RandomOrders(case.seed, data), data)
    assert paper.orders == bt.orders, f"{case.label}: {_first_difference(bt, paper)}"
    assert paper.fills == bt.fills
    assert paper.equity_curve == bt.equity_curve

# --- the newer order kinds: IOC/FOK time in force and ctx.modify_order (ADR 0020) --------------
# RandomOrders(..., order_kinds=True) on six seeds (each dataset kind twice, both policies) must
# agree exactly on Backtrader, Nautilus (replica), sim and paper; FINBOT_PARITY_SEEDS does not
# apply here.


KINDS_CASES = [(seed, policy) for seed in range(6) for policy in FillPolicy]


@cache
def run_kinds_case(seed: int, policy: FillPolicy) -> tuple[BacktestResult, Counter[str]]:
    """Backtrader's result and what the flow asked for, after every other engine agreed."""
    data = case_data(seed)
    config = RunConfig(
        strategy=StrategySpec(id=RandomOrders.strategy_id, params={}),
        dataset=DatasetRef(name=data.name),
        starting_cash=random.Random(f"cash {seed}").choice([10_000.0, 50_000.0, 250_000.0]),
        cost_model=COSTS[case_costs(seed)],
        fill_policy=policy,
        seed=seed,
    )
    strategy = RandomOrders(seed, data, order_kinds=True)
    bt = BacktraderEngine().run(config, strategy, data)
    for engine in (NautilusEngine(), SimEngine(), PaperEngine()):
        other = engine.run(
            config.model_copy(update={"engine": engine.name}),
            RandomOrders(seed, data, order_kinds=True),
            data,
        )
        report = compare_results(bt, other, EXACT)
        assert report.ok, (seed, str(policy), engine.name, report.breaches)
    return bt, strategy.intents


@pytest.mark.parametrize(
    ("seed", "policy"), KINDS_CASES, ids=[f"{s}-{p}" for s, p in KINDS_CASES]
)
def test_random_order_kinds_agree_on_every_engine(seed, policy):
    run_kinds_case(seed, policy)


def test_the_random_flow_exercises_ioc_fok_and_modify():
    seen: Counter[str] = Counter()
    for seed, policy in KINDS_CASES:
        bt, intents = run_kinds_case(seed, policy)
        seen.update(intents)
        for o in bt.orders:
            tif = str(o.request.time_in_force)
            if tif in ("ioc", "fok"):
                seen[f"{tif} {o.status}"] += 1
    print(sorted(seen.items()))
    for kind in ("ioc filled", "ioc canceled", "fok filled", "fok canceled", "modify taken"):
        assert seen[kind] > 3, (kind, sorted(seen.items()))
