import os

import pytest

from finbot.paper_broker._checkpoint import (
    CheckpointError,
    read_checkpoint,
    read_header,
    write_checkpoint,
)


def test_round_trip_keeps_externals_out_of_the_file(tmp_path):
    big = tuple(range(100_000))
    state = {"cash": 12.5, "column": big, "orders": ["O-1"]}
    path = tmp_path / "c.pkl"
    write_checkpoint(path, state, {"position": 7}, {"column": big})
    assert path.stat().st_size < 2_000  # the column is a reference, not a copy
    head, loaded = read_checkpoint(path, {"column": big})
    assert head["position"] == 7
    assert loaded == state and loaded["column"] is big
    assert read_header(path)["position"] == 7
    assert not (tmp_path / "c.pkl.tmp").exists()


def test_an_altered_body_is_refused(tmp_path):
    path = tmp_path / "c.pkl"
    write_checkpoint(path, {"cash": 1.0}, {}, {})
    raw = bytearray(path.read_bytes())
    raw[-2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="altered"):
        read_checkpoint(path, {})


def test_a_crash_before_the_rename_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.pkl"
    write_checkpoint(path, {"step": 1}, {}, {})

    def crash(src, dst):
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_checkpoint(path, {"step": 2}, {}, {})
    monkeypatch.undo()
    assert read_checkpoint(path, {})[1] == {"step": 1}


def test_a_missing_external_is_named(tmp_path):
    path = tmp_path / "c.pkl"
    col = (1, 2)
    write_checkpoint(path, [col], {}, {"column:AAA:close": col})
    with pytest.raises(CheckpointError, match="column:AAA:close"):
        read_checkpoint(path, {})


def test_a_foreign_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "c.pkl"
    path.write_bytes(b"hello\nworld")
    with pytest.raises(CheckpointError, match="not a paper checkpoint"):
        read_header(path)


def test_market_data_held_by_value_round_trips(tmp_path):
    from paper_support import market

    data = market([(1.0, 2.0, 0.5, 1.5), (1.5, 2.5, 1.0, 2.0)])
    path = tmp_path / "c.pkl"
    write_checkpoint(path, {"mine": data}, {}, {})
    loaded = read_checkpoint(path, {})[1]["mine"]
    assert loaded.bars("AAA") == data.bars("AAA")
    assert loaded.snapshot_id() == data.snapshot_id()
