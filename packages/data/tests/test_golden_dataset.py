from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from finbot.contracts import DataValidationError, session_date, to_ns
from finbot.data import (
    EMBEDDED_DATASETS,
    GOLDEN_ACTIONS,
    GOLDEN_INSTRUMENTS,
    GOLDEN_MISSING_SESSION,
    GOLDEN_SEED,
    embedded_dataset_dir,
    generate_golden_dataset,
    load_embedded,
    read_frozen_dataset,
)
from finbot.data.generate import main as generate_main

PACKAGED = Path(str(embedded_dataset_dir("golden")))


def test_embedded_list_matches_the_packaged_folders():
    datasets = Path(str(embedded_dataset_dir("golden"))).parent
    assert sorted(p.name for p in datasets.iterdir() if (p / "manifest.json").is_file()) == sorted(
        EMBEDDED_DATASETS
    )


def test_manifest_checksums_match_the_files():
    manifest = json.loads((PACKAGED / "manifest.json").read_text())
    assert manifest["seed"] == GOLDEN_SEED
    assert set(manifest["files"]) == {f"{i}.csv" for i in GOLDEN_INSTRUMENTS} | {
        "corporate_actions.json"
    }
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((PACKAGED / name).read_bytes()).hexdigest() == digest


def test_regenerating_gives_byte_identical_files(tmp_path):
    written = generate_golden_dataset(tmp_path)
    assert sorted(written) == sorted(p.name for p in PACKAGED.iterdir())
    for name, path in written.items():
        assert path.read_bytes() == (PACKAGED / name).read_bytes(), name
    assert generate_main(["--check", "--out", str(PACKAGED)]) == 0


def test_another_seed_gives_other_prices(tmp_path):
    generate_golden_dataset(tmp_path, seed=GOLDEN_SEED + 1)
    assert (tmp_path / "ALPHA.csv").read_bytes() != (PACKAGED / "ALPHA.csv").read_bytes()
    data = read_frozen_dataset(tmp_path)
    assert data.instrument_ids == GOLDEN_INSTRUMENTS


def test_golden_contents():
    data = load_embedded("golden")
    assert data.name == "golden"
    assert data.instrument_ids == ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT")
    assert data.corporate_actions == GOLDEN_ACTIONS
    for series in data:
        assert session_date(series.ts_ns[0]) == date(2021, 1, 4)
        assert session_date(series.ts_ns[-1]) == date(2023, 11, 17)
        expected = 749 if series.instrument_id == "DELTA" else 750
        assert len(series) == expected
    missing_id, missing_day = GOLDEN_MISSING_SESSION
    assert to_ns(missing_day) not in data.bars(missing_id).ts_ns
    assert to_ns(missing_day) in data.bars("ALPHA").ts_ns


def test_golden_split_and_dividend_show_in_raw_prices():
    data = load_embedded("golden")
    bravo = data.bars("BRAVO")
    i = bravo.ts_ns.tolist().index(to_ns(date(2022, 6, 15)))
    # Raw prices halve at the split: the open is about half the previous close.
    assert 0.4 < bravo.open[i] / bravo.close[i - 1] < 0.6
    charlie = data.bars("CHARLIE")
    j = charlie.ts_ns.tolist().index(to_ns(date(2022, 9, 14)))
    assert charlie.open[j] < charlie.close[j - 1]


def test_tampered_file_is_detected(tmp_path):
    copy = tmp_path / "golden"
    shutil.copytree(PACKAGED, copy)
    text = (copy / "ECHO.csv").read_text()
    (copy / "ECHO.csv").write_text(text.replace("\n2021-01-05,", "\n2021-01-05,1", 1))
    with pytest.raises(DataValidationError) as info:
        read_frozen_dataset(copy)
    assert info.value.source == str(copy / "ECHO.csv")
    assert "checksum mismatch" in str(info.value)


def test_missing_file_and_manifest_are_detected(tmp_path):
    copy = tmp_path / "golden"
    shutil.copytree(PACKAGED, copy)
    (copy / "corporate_actions.json").unlink()
    with pytest.raises(DataValidationError, match="missing"):
        read_frozen_dataset(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(DataValidationError, match="manifest is missing"):
        read_frozen_dataset(copy)
