import csv
import io
import json

from finbot.registry import compare_runs, write_csv, write_jsonl


def _two_runs(registry, fakes):
    r3, data, s3 = fakes.run_fake(period=3)
    r4, _, s4 = fakes.run_fake(period=4)
    return registry.record(r3, data, strategy=s3), registry.record(r4, data, strategy=s4), r3, r4


def test_compare_shows_only_differing_config_and_all_metrics(registry, fakes) -> None:
    a, b, r3, r4 = _two_runs(registry, fakes)
    cmp = compare_runs([registry.get(a), registry.get(b)])
    assert cmp.run_ids == (a, b)
    assert dict(cmp.config) == {"strategy.params.period": (3, 4)}
    metrics = dict(cmp.metrics)
    assert metrics["trade_count"] == (r3.metrics.trade_count, r4.metrics.trade_count)
    assert metrics["final_equity"] == (r3.metrics.final_equity, r4.metrics.final_equity)
    full = compare_runs([registry.get(a), registry.get(b)], all_config=True)
    assert ("engine", ("fake", "fake")) in full.config
    identity = dict(cmp.identity)
    assert identity["data snapshot"][0] == identity["data snapshot"][1]


def test_export_jsonl_and_csv(registry, fakes) -> None:
    a, b, r3, _ = _two_runs(registry, fakes)
    failed = registry.record_failure(fakes.make_config(), "boom")
    records = registry.runs()
    buf = io.StringIO()
    assert write_jsonl(records, buf) == 3
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [line["run_id"] for line in lines] == [a, b, failed]
    assert lines[0]["result_hash"] == r3.content_hash()
    assert lines[0]["record_hash"] == registry.get(a).record_hash
    assert lines[2]["status"] == "failed" and lines[2]["error"] == "boom"
    buf = io.StringIO()
    assert write_csv(records, buf) == 3
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["run_id"] for r in rows] == [a, b, failed]
    assert rows[0]["metrics.trade_count"] == str(r3.metrics.trade_count)
    assert rows[2]["metrics.trade_count"] == "" and rows[2]["status"] == "failed"


def test_csv_export_has_params_dataset_and_dates_as_columns(registry, fakes) -> None:
    _two_runs(registry, fakes)
    buf = io.StringIO()
    write_csv(registry.runs(), buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["params.period"] for r in rows] == ["3", "4"]
    assert {r["dataset"] for r in rows} == {"synthetic"}
    assert all(r["data_files"] == "" and r["start"] == "" and r["end"] == "" for r in rows)
    header = buf.getvalue().splitlines()[0].split(",")
    # parameters come before metrics, so a spreadsheet reads inputs then outputs
    assert header.index("params.period") < header.index("metrics.trade_count")
