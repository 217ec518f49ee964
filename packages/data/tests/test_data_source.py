from __future__ import annotations

import pytest

from finbot.contracts import ConfigError, DatasetRef, DataSource, DataValidationError
from finbot.data import (
    DEFAULT_DATASET,
    EMBEDDED_DATASETS,
    GENERATED_DATASETS,
    LocalDataSource,
    adjust_for_corporate_actions,
    dataset_ref,
    load_dataset,
    load_embedded,
)

CSV = "Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10.5,12,10,11,200\n"


def test_default_dataset_is_embedded_and_adjusted():
    assert DEFAULT_DATASET == "golden" and DEFAULT_DATASET in EMBEDDED_DATASETS
    source: DataSource = LocalDataSource()
    data = source.load(DatasetRef(name=DEFAULT_DATASET))
    assert data.corporate_actions == ()
    assert data.snapshot_id() == adjust_for_corporate_actions(load_embedded("golden")).snapshot_id()
    assert load_dataset().snapshot_id() == data.snapshot_id()


def test_raw_data_keeps_its_corporate_actions():
    raw = LocalDataSource(adjust=False).load(DatasetRef(name="golden"))
    assert len(raw.corporate_actions) == 2
    assert raw.snapshot_id() == load_embedded("golden").snapshot_id()
    assert load_dataset("golden", adjust=False).snapshot_id() == raw.snapshot_id()


def test_files_by_reference(write_file):
    a, b = write_file("aaa.csv", CSV), write_file("bbb.csv", CSV)
    data = LocalDataSource().load(DatasetRef(name="mine", paths=(str(a), str(b))))
    assert data.name == "mine"
    assert data.instrument_ids == ("AAA", "BBB")
    assert load_dataset(a).instrument_ids == ("AAA",)
    assert dataset_ref(a, b) == DatasetRef(name="aaa", paths=(str(a), str(b)))
    assert dataset_ref("golden") == DatasetRef(name="golden")


def test_unknown_name_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown dataset 'nope'.*golden"):
        LocalDataSource().load(DatasetRef(name="nope"))
    with pytest.raises(DataValidationError, match="file not found"):
        load_dataset(tmp_path / "gone.csv")


def test_snapshot_id_pin(write_file):
    path = write_file("aaa.csv", CSV)
    data = load_dataset(path)
    ref = DatasetRef(name="aaa", paths=(str(path),), snapshot_id=data.snapshot_id())
    assert LocalDataSource().load(ref).snapshot_id() == data.snapshot_id()
    path.write_text(CSV.replace(",11,200", ",11.5,200"))
    with pytest.raises(DataValidationError, match="snapshot id"):
        LocalDataSource().load(ref)


def test_generated_datasets_resolve_by_name():
    assert GENERATED_DATASETS == ("synthetic-daily", "synthetic-intraday")
    data = LocalDataSource().load(DatasetRef(name="synthetic-daily"))
    assert data.bar_count == 25_200
