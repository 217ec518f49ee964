"""Rerun rebuilds a run from the registry alone and names what differs when it does not match."""

import pytest

from finbot.contracts import StrategyLoadError
from finbot.registry import RunStateError


def test_rerun_from_the_registry_alone_is_identical(registry, fakes) -> None:
    result, data, strategy = fakes.run_fake()
    run_id = registry.record(result, data, strategy=strategy)
    built: list[str] = []

    def factory(name: str):
        built.append(name)
        return fakes.FakeEngine()

    report = registry.rerun(run_id, factory, fakes.load_strategy)
    assert built == ["fake"]
    assert report.identical
    assert report.new_hash == report.recorded_hash == result.content_hash()
    assert report.new_result.to_json().encode() == registry.load_result_bytes(run_id)
    assert report.result_fields == () and report.causes == ()
    assert "rerun identical" in report.summary()


def test_rerun_mismatch_names_engine_version_and_result_fields(registry, fakes) -> None:
    result, data, strategy = fakes.run_fake()
    run_id = registry.record(result, data, strategy=strategy)
    report = registry.rerun(run_id, lambda _: fakes.FakeEngine(version="2.0", bias=0.5),
                            fakes.load_strategy)
    assert not report.identical
    assert "engine version: 1.0 -> 2.0" in report.causes
    paths = [line.split(":")[0] for line in report.result_fields]
    assert "engine.version" in paths
    assert any(p.startswith("fills[0].price") for p in paths)
    assert any(p.startswith("metrics.") for p in paths)
    text = report.summary()
    assert "DIFFERS" in text and "fills[0].price" in text


def test_rerun_reports_changed_strategy_source(registry, fakes, tmp_path) -> None:
    result, data, strategy = fakes.run_fake()
    run_id = registry.record(result, data, strategy=strategy)
    # A loader returning a subclass defined here: its module file (this test) differs.
    class Patched(fakes.Flip):
        pass

    report = registry.rerun(run_id, lambda _: fakes.FakeEngine(),
                            lambda spec: Patched(spec.params))
    assert report.identical  # same behaviour, so same result ...
    assert any(c.startswith("strategy source") for c in report.causes)  # ... but named


def test_rerun_reports_package_changes(registry, fakes, monkeypatch) -> None:
    result, data, strategy = fakes.run_fake()
    run_id = registry.record(result, data, strategy=strategy)
    from finbot.registry import _rerun

    real = _rerun.capture_environment

    def changed():
        env = real()
        packages = dict(env.packages, sqlalchemy="0.0.1")
        packages.pop("pydantic")
        return env.model_copy(update={"packages": packages})

    monkeypatch.setattr(_rerun, "capture_environment", changed)
    report = registry.rerun(run_id, lambda _: fakes.FakeEngine(), fakes.load_strategy)
    assert report.identical
    assert any(c.startswith("package sqlalchemy:") and c.endswith("-> 0.0.1")
               for c in report.environment_changes)
    assert any(c.startswith("package pydantic:") and c.endswith("-> (absent)")
               for c in report.environment_changes)


def test_rerun_needs_a_finished_run_and_a_loadable_strategy(registry, fakes) -> None:
    failed = registry.record_failure(fakes.make_config(), "boom")
    with pytest.raises(RunStateError, match="only finished runs"):
        registry.rerun(failed, lambda _: fakes.FakeEngine(), fakes.load_strategy)
    result, data, _ = fakes.run_fake()
    run_id = registry.record(result, data)

    def no_strategy(spec):
        raise StrategyLoadError(f"unknown strategy {spec.id!r}")

    with pytest.raises(StrategyLoadError):
        registry.rerun(run_id, lambda _: fakes.FakeEngine(), no_strategy)


def test_runs_on_windows_of_one_dataset_pin_it_once_and_rerun_identical(registry, fakes) -> None:
    from datetime import date

    full = fakes.make_data(days=90)
    ids, windows = [], []
    for start, end in ((date(2024, 1, 10), date(2024, 2, 10)), (date(2024, 2, 1), None)):
        config = fakes.make_config().model_copy(update={"start": start, "end": end})
        window = full.between(start, end)
        result = fakes.FakeEngine().run(config, fakes.load_strategy(config.strategy), window)
        ids.append(registry.record(result, window, dataset=full))
        windows.append(window)
    first, second = (registry.get(i) for i in ids)
    assert first.snapshot_artifact == second.snapshot_artifact
    assert first.dataset_snapshot_id == second.dataset_snapshot_id == full.snapshot_id()
    snapshot_blobs = [p for p in registry.artifacts.root.rglob("*")
                      if p.is_file() and p.read_bytes()[:4] == b"PAR1"]
    assert len(snapshot_blobs) == 1
    for run_id, window in zip(ids, windows, strict=True):
        assert registry.run_snapshot(run_id).snapshot_id() == window.snapshot_id()
        report = registry.rerun(run_id, lambda _: fakes.FakeEngine(), fakes.load_strategy)
        assert report.identical, report.summary()
    assert registry.verify() == []
    # A window that is not the plain cut (a missing-data policy changed it) is pinned itself.
    config = fakes.make_config().model_copy(update={"start": date(2024, 1, 10)})
    changed = windows[1]  # not full cut from 2024-01-10
    result = fakes.FakeEngine().run(config, fakes.load_strategy(config.strategy), changed)
    run_id = registry.record(result, changed, dataset=full)
    record = registry.get(run_id)
    assert record.dataset_snapshot_id is None and record.data_snapshot_id == changed.snapshot_id()
    assert registry.rerun(run_id, lambda _: fakes.FakeEngine(), fakes.load_strategy).identical
