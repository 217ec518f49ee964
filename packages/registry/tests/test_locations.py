"""Where a registry is: masked URLs, missing registries, read-only registries, old registries."""

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from finbot.registry import SCHEMA_VERSION, Registry, RegistryError, RunStatus
from finbot.registry._database import shown_location

V1 = Path(__file__).parent / "data" / "registry_v1"
V1_RUNS = {
    "01M8WKTNG218VP4FRT45ED0SCQ": RunStatus.FINISHED,
    "01M8WKTNGGF9V0SZ9F3VM11CZ5": RunStatus.FAILED,
    "01M8WKTNGP4K7NJAQN0NCE6BP3": RunStatus.RUNNING,
}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://finbot:s3cret@db:5432/runs", "postgresql://finbot:***@db:5432/runs"),
        ("postgresql://finbot:p@ss@db/runs", "postgresql://finbot:***@db/runs"),
        ("postgresql://finbot:a/b?c#d@db/runs", "postgresql://finbot:***@db/runs"),
        ("postgresql://finbot:p%40ss@db/runs", "postgresql://finbot:***@db/runs"),
        ("postgresql://db/runs?user=finbot&password=s3cret",
         "postgresql://db/runs?password=***&user=finbot"),
        ("postgresql://finbot:s3cret@db/runs?sslmode=require&password=other",
         "postgresql://finbot:***@db/runs?password=***&sslmode=require"),
        ("mysql://finbot:s3cret@db/runs", "mysql://finbot:***@db/runs"),
    ],
)
def test_every_password_form_is_masked(url: str, shown: str) -> None:
    assert shown_location(url) == shown


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql://finbot:p@ss@127.0.0.1:1/finbot", "ss@"),
        ("postgresql://127.0.0.1:1/finbot?user=finbot&password=s3cret", "s3cret"),
    ],
)
def test_unreachable_server_errors_carry_no_password(url: str, secret: str) -> None:
    with pytest.raises(RegistryError, match=r"cannot open registry postgresql") as info:
        Registry.open(url)
    assert secret not in str(info.value)
    if "p@ss" in url:  # the raw '@' belongs to the password, so the host is still 127.0.0.1
        assert "127.0.0.1" in str(info.value)


def test_a_missing_registry_is_reported_not_created(tmp_path: Path) -> None:
    for location in (tmp_path / "none", f"sqlite:///{tmp_path / 'none.sqlite'}"):
        with pytest.raises(RegistryError, match="no registry at"):
            Registry.open(location, create=False)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_postgresql_database_is_no_registry(postgres_database: str) -> None:
    with pytest.raises(RegistryError, match="no registry in"):
        Registry.open(postgres_database, create=False)


def _copy_v1(tmp_path: Path) -> Path:
    target = tmp_path / "v1"
    shutil.copytree(V1, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def test_a_v1_registry_migrates_and_verifies(tmp_path: Path) -> None:
    with Registry.open(_copy_v1(tmp_path)) as registry:
        assert registry.schema_version == SCHEMA_VERSION
        records = {r.run_id: r for r in registry.runs()}
        assert registry.verify() == []
        finished = records["01M8WKTNG218VP4FRT45ED0SCQ"]
        # The JSON snapshot of v1 still loads, and the v1 record keeps its seals.
        data = registry.run_snapshot(finished.run_id)
        # (pinned before result schema 2, under the text form of the snapshot id: ADR 0017)
        assert data.legacy_snapshot_id() == finished.data_snapshot_id
    # The run left running in 2026-11 is past the running limit: abandoned on this open.
    assert {k: r.status for k, r in records.items()} == {
        **V1_RUNS, "01M8WKTNGP4K7NJAQN0NCE6BP3": RunStatus.ABANDONED}


def test_a_v1_registry_migrates_on_postgresql(tmp_path: Path, postgres_database: str) -> None:
    from finbot.registry._schema import MIGRATIONS

    source = _copy_v1(tmp_path)
    engine = sa.create_engine(postgres_database)
    with engine.begin() as conn, sqlite3.connect(source / "registry.sqlite") as old:
        old.row_factory = sqlite3.Row
        MIGRATIONS[0].apply(conn)
        conn.execute(sa.text("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                             "description TEXT NOT NULL, applied_at VARCHAR(40) NOT NULL)"))
        for table in ("schema_migrations", "runs", "run_outcomes", "snapshots"):
            rows = [dict(r) for r in old.execute(f"SELECT * FROM {table}")]
            if rows:
                conn.execute(sa.text(
                    f"INSERT INTO {table} ({', '.join(rows[0])}) "
                    f"VALUES ({', '.join(':' + k for k in rows[0])})"), rows)
    engine.dispose()
    with Registry.open(postgres_database, artifacts_dir=source / "artifacts") as registry:
        assert registry.schema_version == SCHEMA_VERSION
        assert {r.run_id for r in registry.runs()} == set(V1_RUNS)
        assert registry.verify() == []


READER = textwrap.dedent("""
    import sys
    from finbot.registry import Registry
    with Registry.open(sys.argv[1], create=False) as registry:
        print(registry.read_only, len(registry.runs()), registry.verify())
        try:
            registry.start(registry.runs()[0].config)
        except Exception as exc:
            print(type(exc).__name__, exc)
""")


def test_a_read_only_sqlite_registry_can_be_listed_and_verified(tmp_path: Path, fakes) -> None:
    root = tmp_path / "ro"
    with Registry.open(root) as registry:
        for period in (2, 3):
            result, data, _ = fakes.run_fake(period=period)
            registry.record(result, data)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    if os.geteuid() == 0:
        # Root ignores file modes; a read-only bind mount in a private mount namespace is what
        # read-only means for root (as for anyone on a read-only volume).
        mount = tmp_path / "mnt"
        mount.mkdir()
        command = [
            "unshare", "-m", "sh", "-c",
            f'mount --bind "{root}" "{mount}" && mount -o remount,bind,ro "{mount}" && '
            f'exec "$0" -c "$1" "{mount}"', sys.executable, READER,
        ]
    else:
        command = [sys.executable, "-c", READER, str(root)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "True 2 []"
    assert lines[1].startswith("RegistryError") and "read-only" in lines[1]


def test_a_read_only_postgresql_user_can_list_and_verify(
    postgres_database: str, tmp_path: Path, fakes
) -> None:
    with Registry.open(postgres_database, artifacts_dir=tmp_path / "a") as registry:
        result, data, _ = fakes.run_fake()
        registry.record(result, data)
    admin = sa.create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    database = sa.engine.make_url(postgres_database).database
    with admin.connect() as conn:
        conn.execute(sa.text(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'finbot_reader') "
            "THEN CREATE ROLE finbot_reader LOGIN; END IF; END $$"))
        conn.execute(sa.text(f'GRANT CONNECT ON DATABASE "{database}" TO finbot_reader'))
        conn.execute(sa.text("GRANT USAGE ON SCHEMA public TO finbot_reader"))
        conn.execute(sa.text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO finbot_reader"))
    admin.dispose()
    reader_url = sa.engine.make_url(postgres_database).set(username="finbot_reader")
    url = reader_url.render_as_string(hide_password=False)
    with Registry.open(url, artifacts_dir=tmp_path / "a", create=False) as reader:
        assert reader.read_only
        assert len(reader.runs()) == 1 and reader.verify() == []
        with pytest.raises(RegistryError, match="read-only"):
            reader.record(result, data)
