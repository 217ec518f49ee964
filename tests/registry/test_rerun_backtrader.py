"""The issue's 'done when': record a real Backtrader run from a CSV file, delete the file, rerun
from the registry alone and get a byte-identical result."""

from __future__ import annotations

from pathlib import Path

from finbot.contracts import RunConfig, StrategySpec
from finbot.data import load_files
from finbot.engine_backtrader import BacktraderEngine
from finbot.registry import Registry
from finbot.strategies import GOLDEN_STRATEGIES


def load_golden(spec: StrategySpec):
    cls = GOLDEN_STRATEGIES[spec.id]
    return cls(cls.make_params(spec.params))


def test_rerun_after_deleting_the_data_file_is_byte_identical(
    tmp_path: Path, wave_csv: Path
) -> None:
    csv = wave_csv
    data = load_files([csv])
    config = RunConfig(
        strategy=StrategySpec(id="sma_crossover", params={"fast": 5, "slow": 20}),
        dataset={"name": "wave", "paths": [str(csv)], "snapshot_id": data.snapshot_id()},
        cost_model={"commission_bps": 5.0},
    )
    strategy = load_golden(config.strategy)
    result = BacktraderEngine().run(config, strategy, data)
    assert result.metrics.trade_count >= 2  # the run does something worth reproducing

    with Registry.open(tmp_path / "registry") as registry:
        run_id = registry.record(result, data, strategy=strategy, tags=["e2e"])
        stored = registry.load_result_bytes(run_id)
    assert stored == result.to_json().encode()

    csv.unlink()
    assert not csv.exists()

    engines: list[str] = []

    def engine_factory(name: str) -> BacktraderEngine:
        engines.append(name)
        return BacktraderEngine()

    with Registry.open(tmp_path / "registry") as registry:
        report = registry.rerun(run_id, engine_factory, load_golden)
        assert engines == ["backtrader"]
        assert report.identical, report.summary()
        assert report.new_result.to_json().encode() == registry.load_result_bytes(run_id)
        record = registry.get(run_id)
        assert record.engine is not None and record.engine.name == "backtrader"
        assert record.strategy.class_path == (
            f"{type(strategy).__module__}:{type(strategy).__qualname__}"
        )
        assert record.strategy.source_sha256 is not None
