"""The versioned result schema: lossless JSON, stable content hash, the frozen files, migration.

``data/result_v1.json`` was written once from ``contracts_fake_engine.sample_run()`` when schema
version 1 was current and is never regenerated: it is the proof that v1 files stay readable.
``data/result_v2.json`` was written once from ``sample_v2()`` (the same run plus a data-quality
record) when version 2 became current. ``data/result_v3.json`` was written once from the same
``sample_v2()`` when version 3 (commission schedules in the cost model) became current, and
``data/result_v4.json`` from it when version 4 (the cost breakdown, ADR 0021) became current.
``data/result_v5.json`` was written once from ``sample_v5()`` (``sample_v2()`` with native execution
settings in its config) when version 5 (``RunConfig.native``, ADR 0025) became current, and
``data/result_v6.json`` from ``sample_v5()`` when version 6 (the price mode, ADR 0023) did.
``data/result_v7.json`` was written once from ``sample_v7()`` (``sample_v5()`` with two orders
linked as a bracket's exits) when version 7 (order links, IOC/FOK, ADR 0020) became current, and
``data/result_v8.json`` from it when version 8 (``RunConfig.account``, ADR 0022) did.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from contracts_fake_engine import sample_run
from pydantic import ValidationError

from finbot.contracts import (
    END_OF_DATA,
    SCHEMA_VERSION,
    BacktestResult,
    DataQuality,
    Metrics,
    MissingDataPolicy,
    NativeAccount,
    NativeExecution,
    OrderStatus,
    PriceMode,
    ResultSchemaError,
    migrate_payload,
    to_ns,
)

V1_FILE = Path(__file__).parent / "data" / "result_v1.json"
V2_FILE = Path(__file__).parent / "data" / "result_v2.json"
V3_FILE = Path(__file__).parent / "data" / "result_v3.json"
V4_FILE = Path(__file__).parent / "data" / "result_v4.json"
V5_FILE = Path(__file__).parent / "data" / "result_v5.json"
V6_FILE = Path(__file__).parent / "data" / "result_v6.json"
V7_FILE = Path(__file__).parent / "data" / "result_v7.json"
V8_FILE = Path(__file__).parent / "data" / "result_v8.json"


def sample_v2() -> BacktestResult:
    """The v1 sample run with a data-quality record, so the v2 file pins that form too."""
    result = sample_run()
    day = to_ns(result.config.start) + 86_400 * 10**9  # type: ignore[arg-type]
    quality = DataQuality(
        calendar="XNYS",
        missing_data=MissingDataPolicy.FFILL,
        missing_sessions={"BBB": (day,)},
        filled={"BBB": (day,)},
        warnings=("BBB: 4 bars, fewer than the strategy's warm-up of 5",),
    )
    return result.model_copy(update={"data_quality": quality})


def sample_v5() -> BacktestResult:
    """``sample_v2()`` with native execution settings, so the v5 file pins the ``native`` form."""
    result = sample_v2()
    native = NativeExecution(latency_ms=10.0, prob_slippage=0.5, account=NativeAccount.CASH)
    return result.model_copy(update={"config": result.config.model_copy(update={"native": native})})


def sample_v7() -> BacktestResult:
    """``sample_v5()`` with O-000004 and O-000005 linked as O-000003's bracket exits (one OCO)."""
    result = sample_v5()
    linked = {"O-000004", "O-000005"}
    orders = tuple(
        dataclasses.replace(o, oco_group="O-000004", parent_id="O-000003")
        if o.order_id in linked
        else o
        for o in result.orders
    )
    return result.model_copy(update={"orders": orders})


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    return sample_run()


def v1_payload() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(V1_FILE.read_text())
    return payload


def test_json_round_trip_is_lossless(result: BacktestResult) -> None:
    text = result.to_json()
    again = BacktestResult.from_json(text)
    assert again == result
    assert again.to_json() == text
    assert again.content_hash() == result.content_hash()
    assert BacktestResult.from_json(text.encode()) == result


def test_content_hash_is_stable_and_sensitive(result: BacktestResult) -> None:
    assert sample_run().content_hash() == result.content_hash()
    changed = result.model_copy(update={"data_snapshot_id": "0" * 64})
    assert changed.content_hash() != result.content_hash()
    # canonical: sorted keys, no whitespace, so the hash does not depend on how JSON was written
    assert result.to_json() == json.dumps(
        json.loads(result.to_json()), sort_keys=True, separators=(",", ":")
    )


def test_frozen_v1_file_loads_with_its_values() -> None:
    r = BacktestResult.from_json(V1_FILE.read_text())
    assert json.loads(V1_FILE.read_text())["schema_version"] == 1
    assert r.schema_version == SCHEMA_VERSION  # migrated on reading
    # v2 added the data checks: the v1 run's are unknown, its config gets today's defaults
    assert r.data_quality is None
    assert r.config.missing_data is MissingDataPolicy.RAISE
    assert (r.config.dataset.calendar, r.config.dataset.allow) == (None, ())
    assert r.config.starting_cash == 10_000.0
    assert r.config.cost_model.slippage_bps == 5.0
    assert r.config.strategy.params == {"note": "result_v1 sample"}
    assert r.engine.name == "fake"
    # equity curve: one point per session 2024-01-02 .. 2024-01-06
    assert r.equity_curve.ts_ns[0] == to_ns(r.config.start)  # type: ignore[arg-type]
    assert len(r.equity_curve.ts_ns) == 5
    assert r.equity_curve.equity[0] == 10_000.0
    # first fill: 8 of 10 AAA (at most 8 per bar) at d1's open 11.00 slipped 5bp: 11.0055;
    # commission 8 * 11.0055 * 1bp + 8 * 0.01 = 0.0888044 -> 0.09
    first = r.fills[0]
    assert (first.order_id, first.side, first.quantity) == ("O-000001", "buy", 8.0)
    assert first.price == pytest.approx(11.0 * 1.0005)
    assert first.commission == 0.09
    assert first.slippage == pytest.approx(8 * 11.0 * 0.0005)
    # the limit buy of BBB fills at its limit, no slippage: 5 * 10.5 * 1bp + 5 * 0.01 = 0.05525
    bbb = r.fills[1]
    assert (bbb.instrument_id, bbb.price, bbb.slippage, bbb.commission) == ("BBB", 10.5, 0, 0.06)
    assert len(r.fills) == 7
    # the order placed on the final session never reached the engine
    last = r.orders[-1]
    assert (last.order_id, last.status, last.reason) == (
        "O-000006",
        OrderStatus.CANCELED,
        END_OF_DATA,
    )
    assert [o.status for o in r.orders[:-1]] == [OrderStatus.FILLED] * 5
    # first FIFO trade: 4 AAA bought at 11.0055 sold at 12 * (1 - 0.0005) = 11.994
    t = r.trades[0]
    assert (t.direction, t.quantity) == (1, 4.0)
    assert t.gross_pnl == pytest.approx(4 * (11.994 - 11.0055))
    assert [x.direction for x in r.trades] == [1, 1, 1, -1, -1]
    # open at the end: short 4 AAA (sold at 10 * 0.9995 on d4), long 5 BBB at 10.50
    aaa, bbb_pos = r.positions
    assert (aaa.instrument_id, aaa.quantity, aaa.last_price) == ("AAA", -4.0, 9.5)
    assert aaa.avg_price == pytest.approx(9.995)
    assert (bbb_pos.quantity, bbb_pos.avg_price, bbb_pos.market_value) == (5.0, 10.5, 47.5)
    # final equity = last cash + market values: 9990.846 - 38 + 47.5
    assert r.metrics.final_equity == pytest.approx(r.equity_curve.cash[-1] - 38.0 + 47.5)
    assert r.metrics.final_equity == pytest.approx(10_000.346)
    assert (r.metrics.trade_count, r.metrics.order_count, r.metrics.fill_count) == (5, 6, 7)
    assert r.metrics.total_commission == pytest.approx(0.46)
    assert r.metrics.win_rate == pytest.approx(2 / 5)


def test_v1_file_accounts_add_up() -> None:
    r = BacktestResult.from_json(V1_FILE.read_text())
    realized = math.fsum(t.gross_pnl for t in r.trades)
    unrealized = math.fsum(p.unrealized_pnl for p in r.positions)
    commission = math.fsum(f.commission for f in r.fills)
    assert realized + unrealized - commission == pytest.approx(
        r.metrics.final_equity - r.config.starting_cash, abs=1e-9
    )


def frozen_drift(result: BacktestResult, frozen_file: Path = V8_FILE) -> list[str]:
    """Where ``result``'s stored form differs from a frozen file, compared as raw text.

    Never through the current model: reading the file with it would fill in any field added since
    v1 from its default, so both sides would agree however the stored form changed (issue 7).
    """
    produced = json.dumps(json.loads(result.to_json()), indent=1, sort_keys=True) + "\n"
    frozen = frozen_file.read_text()
    if produced == frozen:
        return []
    diff = difflib.unified_diff(
        frozen.splitlines(), produced.splitlines(), frozen_file.name, "current", lineterm="", n=1
    )
    return list(diff)[:40] or ["the texts differ only in line endings"]


def test_v1_file_migrates_to_the_v1_run_under_todays_code() -> None:
    # Version 2 also changed how snapshot ids are computed (binary, not text: issue 7), so the
    # v1 file's ids are put in before comparing; every other byte must match.
    old = BacktestResult.from_json(V1_FILE.read_text())
    today = sample_run()
    ids = {"data_snapshot_id": old.data_snapshot_id}
    dataset = today.config.dataset.model_copy(
        update={"snapshot_id": old.config.dataset.snapshot_id}
    )
    today = today.model_copy(
        update={**ids, "config": today.config.model_copy(update={"dataset": dataset})}
    )
    assert unrecorded_prices(today).to_json() == old.to_json()
    assert old.config.dataset.prices is None  # not recorded before version 6


def unrecorded_prices(result: BacktestResult) -> BacktestResult:
    """``result`` as a migrated pre-version-6 file has it: the price mode unknown (None)."""
    dataset = result.config.dataset.model_copy(update={"prices": None})
    return result.model_copy(
        update={"config": result.config.model_copy(update={"dataset": dataset})}
    )


def test_current_code_reproduces_the_v8_file_exactly() -> None:
    # When this fails, the stored form changed: bump SCHEMA_VERSION, add a migration from the
    # previous version and keep the older result_vN.json files as they are (docs/adr/0004).
    assert SCHEMA_VERSION == 8
    drift = frozen_drift(sample_v7())
    assert drift == [], "\n".join(drift)


def test_v7_file_migrates_to_the_v7_run_under_todays_code() -> None:
    # The sample shorted on an engine with no margin check: it reads as an unchecked account,
    # under which today's code makes the same run.
    assert json.loads(V7_FILE.read_text())["schema_version"] == 7
    old = BacktestResult.from_json(V7_FILE.read_text())
    assert old.config.account.kind == "unchecked"
    assert old.to_json() == sample_v7().to_json()


def test_nautilus_runs_before_accounts_read_as_cash_accounts() -> None:
    # The Nautilus replica refused every short before accounts existed: a cash account.
    payload = json.loads(V7_FILE.read_text())
    payload["config"]["engine"] = "nautilus"
    assert BacktestResult.from_json(json.dumps(payload)).config.account.kind == "cash"


def test_v6_file_migrates_to_the_v6_run_with_unknown_links() -> None:
    # Version 7 only added the order links; a version-6 file did not record them (None).
    assert json.loads(V6_FILE.read_text())["schema_version"] == 6
    old = BacktestResult.from_json(V6_FILE.read_text())
    assert old.to_json() == sample_v5().to_json()
    assert all(o.oco_group is None and o.parent_id is None for o in old.orders)


def test_frozen_v7_file_keeps_its_order_links() -> None:
    r = BacktestResult.from_json(V7_FILE.read_text())
    links = {o.order_id: (o.oco_group, o.parent_id) for o in r.orders if o.oco_group}
    assert links == {"O-000004": ("O-000004", "O-000003"), "O-000005": ("O-000004", "O-000003")}


def test_v4_file_migrates_to_the_v4_run_under_todays_code() -> None:
    # Version 5 only added the optional native settings, stored only when set: the migrated v4
    # file is byte for byte the same run produced today, with no ``native`` key.
    assert json.loads(V4_FILE.read_text())["schema_version"] == 4
    old = BacktestResult.from_json(V4_FILE.read_text())
    assert old.config.native is None
    assert old.to_json() == unrecorded_prices(sample_v2()).to_json()
    assert '"native"' not in old.config.canonical_json()


def test_frozen_v5_file_keeps_its_native_settings() -> None:
    r = BacktestResult.from_json(V5_FILE.read_text())
    assert r.config.native is not None
    assert (r.config.native.latency_ms, r.config.native.prob_slippage) == (10.0, 0.5)
    assert r.config.native.account is NativeAccount.CASH
    assert r.config.native.prob_fill_on_limit == 1.0  # a default, stored explicitly


def test_v2_file_migrates_to_the_v2_run_under_todays_code() -> None:
    # Version 3 only added commission-schedule fields whose defaults charge nothing extra, so the
    # migrated v2 file is byte for byte the same run produced today.
    assert json.loads(V2_FILE.read_text())["schema_version"] == 2
    old = BacktestResult.from_json(V2_FILE.read_text())
    assert old.to_json() == unrecorded_prices(sample_v2()).to_json()
    costs = old.config.cost_model
    assert (costs.commission_fixed, costs.commission_tiers) == (0.0, ())
    assert (costs.commission_maximum, costs.commission_maximum_bps) == (None, None)


def test_v3_file_migrates_to_the_v3_run_under_todays_code() -> None:
    # Version 4 added spread/volume/impact models that charge nothing by default, per-fill spread
    # and impact amounts (0 in a v3 run) and the cost breakdown summed from the stored fills.
    assert json.loads(V3_FILE.read_text())["schema_version"] == 3
    old = BacktestResult.from_json(V3_FILE.read_text())
    assert old.to_json() == unrecorded_prices(sample_v2()).to_json()
    assert old.costs.commission == pytest.approx(math.fsum(f.commission for f in old.fills))
    assert old.costs.slippage > 0  # the sample run slips 5 bps: the migration kept it
    assert (old.costs.spread, old.costs.impact, old.costs.borrow, old.costs.funding) == (0, 0, 0, 0)


def test_v5_file_migrates_with_the_price_mode_unknown() -> None:
    # Version 6 records the price mode; a version-5 run did not and it cannot be derived (a
    # Yahoo file then traded its Close without dividends, none of today's modes): None.
    assert json.loads(V5_FILE.read_text())["schema_version"] == 5
    old = BacktestResult.from_json(V5_FILE.read_text())
    assert old.config.dataset.prices is None
    assert old.to_json() == unrecorded_prices(sample_v5()).to_json()
    assert sample_v5().config.dataset.prices is PriceMode.TOTAL_RETURN


def test_frozen_v2_file_keeps_its_data_quality() -> None:
    r = BacktestResult.from_json(V2_FILE.read_text())
    assert r.data_quality is not None
    assert r.data_quality.calendar == "XNYS"
    assert r.data_quality.missing_data is MissingDataPolicy.FFILL
    assert r.data_quality.filled == {"BBB": (to_ns(r.config.start) + 86_400 * 10**9,)}  # type: ignore[arg-type]
    assert r.data_quality.bars_touched == 1


class _MetricsPlus(Metrics):
    """Metrics with one more defaulted field: a stored-format change ADR 0004 says bumps."""

    new_figure: float | None = None


class _ResultPlus(BacktestResult):
    metrics: _MetricsPlus


def test_a_defaulted_field_added_to_metrics_fails_the_frozen_comparison() -> None:
    current = sample_v7()
    patched = _ResultPlus.model_validate(current.model_dump())
    # Read through the patched model, the frozen file agrees with it: the old, blind comparison.
    assert patched.to_json() == _ResultPlus.from_json(V8_FILE.read_text()).to_json()
    drift = frozen_drift(patched)
    assert '+  "new_figure": null,' in drift, drift
    assert frozen_drift(current) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("{}", "no integer 'schema_version'"),
        ('{"schema_version": "1"}', "no integer 'schema_version'"),
        ('{"schema_version": true}', "no integer 'schema_version'"),
        ('{"schema_version": 99}', "schema_version 99, newer than this finbot-contracts"),
        ('{"schema_version": 0}', "no migration from result schema_version 0"),
    ],
)
def test_unreadable_results_raise_result_schema_error(text: str, message: str) -> None:
    with pytest.raises(ResultSchemaError, match=message):
        BacktestResult.from_json(text)


def test_schema_mismatch_names_the_fields() -> None:
    payload = v1_payload()
    del payload["metrics"]["sharpe"]
    payload["fills"][0]["quantity"] = "lots"
    payload["colour"] = "red"
    with pytest.raises(ResultSchemaError) as info:
        BacktestResult.from_json(json.dumps(payload))
    message = str(info.value)
    assert "metrics.sharpe: Field required" in message
    assert "fills.0.quantity" in message
    assert "colour: Extra inputs are not permitted" in message


def test_in_memory_results_are_always_the_current_version(result: BacktestResult) -> None:
    with pytest.raises(ValidationError, match="is not the current"):
        BacktestResult.model_validate({**result.model_dump(), "schema_version": 1})


def test_migration_steps_run_in_order_up_to_the_target() -> None:
    # The mechanism, exercised with hypothetical steps (there is no real older version yet).
    def one_to_two(p: dict[str, Any]) -> dict[str, Any]:
        p["renamed"] = p.pop("old")
        return {**p, "trail": [1]}

    def two_to_three(p: dict[str, Any]) -> dict[str, Any]:
        return {**p, "trail": [*p["trail"], 2]}

    steps = {1: one_to_two, 2: two_to_three}
    original = {"schema_version": 1, "old": "x"}
    migrated = migrate_payload(original, migrations=steps, target=3)
    assert migrated == {"schema_version": 3, "renamed": "x", "trail": [1, 2]}
    assert original == {"schema_version": 1, "old": "x"}  # the input is not mutated
    assert migrate_payload({"schema_version": 3}, migrations=steps, target=3) == {
        "schema_version": 3
    }
    with pytest.raises(ResultSchemaError, match="no migration from result schema_version 2"):
        migrate_payload({"schema_version": 2}, migrations={1: one_to_two}, target=3)


def test_default_migration_of_a_current_payload_is_identity() -> None:
    payload = json.loads(V8_FILE.read_text())
    assert migrate_payload(payload) == payload


def test_repr_is_one_short_line_and_html_names_every_metric(result: BacktestResult) -> None:
    from finbot.contracts import METRIC_ROWS

    text = repr(result)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("BacktestResult(")
    assert "total return" in text and "%" in text
    page = result._repr_html_()
    assert page.startswith("<table>")
    for _, label, _ in METRIC_ROWS:
        assert label in page
