from __future__ import annotations

from datetime import UTC, datetime

from finbot_fakes import FakeWiring

from finbot.app import make_config, prepare_run, rerun_recorded, run_prepared, run_recorder


def test_a_recorded_run_reruns_identically_on_the_wired_engine(fake_wiring: FakeWiring) -> None:
    prepared = prepare_run(make_config(params={"fraction": 0.25}))
    result = run_prepared(prepared)
    with run_recorder(None, True) as recorder:
        run_id = recorder.finished(result, prepared, started=datetime.now(UTC))
        assert run_id is not None and recorder.registry is not None
        report = rerun_recorded(recorder.registry, run_id)
    assert report.identical, report.summary()
    # The rerun built its own engine through the composition root: a second call on the fake.
    assert len(fake_wiring.engine.calls) == 2
    rerun_config = fake_wiring.engine.calls[-1][0]
    assert rerun_config.strategy.params["fraction"] == 0.25
