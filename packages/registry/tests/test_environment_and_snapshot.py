import io
import subprocess

import pytest

from finbot.contracts import DataValidationError, Instrument, MarketData, Split, canonical_json
from finbot.registry import decode_snapshot, encode_snapshot, strategy_identity
from finbot.registry._environment import git_state, installed_packages


def test_git_state_outside_and_inside_a_checkout(tmp_path) -> None:
    assert git_state(tmp_path) == (None, None)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("1")
    subprocess.run([*git, "-C", str(tmp_path), "add", "a.txt"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "c"], check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert git_state(tmp_path) == (head, False)
    (tmp_path / "untracked.txt").write_text("u")
    assert git_state(tmp_path) == (head, False)  # untracked files do not count
    (tmp_path / "a.txt").write_text("2")
    assert git_state(tmp_path) == (head, True)


def test_installed_packages_are_normalized() -> None:
    packages = installed_packages()
    assert "finbot-registry" in packages and "finbot_registry" not in packages
    assert list(packages) == sorted(packages)


def test_identity_without_strategy_object_has_spec_only(fakes) -> None:
    config = fakes.make_config(period=5)
    ident = strategy_identity(config.strategy)
    assert ident.params == {"period": 5} and ident.source_sha256 is None


def test_snapshot_round_trip_keeps_order_name_and_actions(fakes) -> None:
    base = fakes.make_data(days=5)
    split = Split(instrument_id="AAA", ex_date="2024-01-03", ratio=2.0)
    data = MarketData(
        [Instrument(id="BBB", lot_size=5.0), Instrument(id="AAA")],
        [base.bars("BBB"), base.bars("AAA")],
        [split],
        name="with-actions",
    )
    back = decode_snapshot(encode_snapshot(data), source="s")
    assert back.snapshot_id() == data.snapshot_id()
    assert back.instrument_ids == ("BBB", "AAA") and back.name == "with-actions"
    assert back.instruments["BBB"].lot_size == 5.0
    assert back.corporate_actions == (split,)
    assert encode_snapshot(back) == encode_snapshot(data)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"not json", "snapshot is not valid JSON"),
        (b'{"format":"x"}', "not a finbot-market-snapshot"),
        (b'{"format":"finbot-market-snapshot","version":9}', "snapshot format version 9"),
    ],
)
def test_bad_snapshot_bytes_name_the_snapshot(blob, message) -> None:
    with pytest.raises(DataValidationError, match=f"snap-1: {message}"):
        decode_snapshot(blob, source="snap-1")


def test_snapshots_are_zstd_parquet_much_smaller_than_json(fakes) -> None:
    import pyarrow.parquet as pq

    data = fakes.make_data(days=2000)
    blob = encode_snapshot(data)
    assert blob[:4] == b"PAR1"
    meta = pq.ParquetFile(io.BytesIO(blob)).metadata
    assert meta.row_group(0).column(1).compression == "ZSTD"
    json_size = len(canonical_json({"bars": [list(s.close) for s in data] * 6}))
    assert len(blob) < json_size / 2
    back = decode_snapshot(blob, source="s")
    assert back.snapshot_id() == data.snapshot_id()
    assert all(back.bars(i) == data.bars(i) for i in data.instrument_ids)
    gappy = MarketData(list(data.instruments.values()), list(data), name="g", calendar="XNYS",
                       known_gaps={"AAA": [data.bars("AAA").ts_ns[3]]})
    back = decode_snapshot(encode_snapshot(gappy), source="s")
    assert back.calendar == "XNYS" and back.known_gaps == gappy.known_gaps


def test_a_truncated_parquet_snapshot_names_the_snapshot(fakes) -> None:
    blob = encode_snapshot(fakes.make_data(days=5))
    with pytest.raises(DataValidationError, match="snap-2: snapshot is not a readable Parquet"):
        decode_snapshot(blob[: len(blob) // 2], source="snap-2")
