import pytest
import sqlalchemy as sa

from finbot.registry import SCHEMA_VERSION, Registry, RegistryError
from finbot.registry._schema import MIGRATIONS, schema_migrations


def test_schema_is_versioned_and_reopening_is_a_no_op(registry, registry_location) -> None:
    location, artifacts = registry_location
    with registry._engine.connect() as conn:
        versions = conn.execute(sa.select(schema_migrations.c.version)).scalars().all()
    assert versions == [m.version for m in MIGRATIONS] and registry.schema_version == SCHEMA_VERSION
    with Registry.open(location, artifacts_dir=artifacts) as again:
        assert again.schema_version == SCHEMA_VERSION
    with registry._engine.connect() as conn:
        count = sa.select(sa.func.count()).select_from(schema_migrations)
        assert conn.execute(count).scalar() == len(MIGRATIONS)


def test_a_newer_schema_is_refused(registry, registry_location) -> None:
    location, artifacts = registry_location
    with registry._engine.begin() as conn:
        conn.execute(sa.insert(schema_migrations).values(
            version=SCHEMA_VERSION + 1, description="future", applied_at="2099-01-01"))
    with pytest.raises(RegistryError, match="newer than this finbot-registry"):
        Registry.open(location, artifacts_dir=artifacts)


def test_unwritable_location_names_the_directory(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RegistryError, match="cannot create registry directory"):
        Registry.open(blocker / "sub")


def test_a_url_of_an_unsupported_database_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RegistryError, match="no supported database") as info:
        Registry.open("mysql://user:secret@db/finbot")
    assert "secret" not in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no directory named 'mysql:' was made


def test_a_file_that_is_no_sqlite_database_is_named(tmp_path) -> None:
    not_a_db = tmp_path / "bars.csv"
    not_a_db.write_text("Date,Open,High,Low,Close,Volume\n" * 200)
    with pytest.raises(RegistryError, match=r"cannot open registry sqlite:///.*bars\.csv"):
        Registry.open(f"sqlite:///{not_a_db}")


def test_an_unreachable_server_is_named_without_its_password() -> None:
    # Port 1 on loopback refuses at once; nothing listens there.
    with pytest.raises(RegistryError, match=r"cannot open registry postgresql\+?\w*://finbot:\*\*\*@"
                       ) as info:
        Registry.open("postgresql://finbot:secret@127.0.0.1:1/finbot")
    assert "secret" not in str(info.value)
