"""Fixtures for the registry suite: hand-written fakes of the ports, market data, and a registry
on SQLite and on a throwaway PostgreSQL server (the same tests run on both)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from finbot_fakes import FakeEngine as SimFakeEngine

from finbot.contracts import (
    BacktestResult,
    Bar,
    BarSeries,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyContext,
    StrategyLoadError,
    StrategyParams,
    StrategySpec,
    to_ns,
)
from finbot.registry import Registry

DAY_NS = 86_400 * 10**9


# --- fakes implementing the ports ------------------------------------------------------------
class FlipParams(StrategyParams):
    period: int = 3
    quantity: float = 10.0


class Flip(Strategy):
    """Buys every ``period`` bars when flat, sells when long: deterministic, trades often."""

    strategy_id = "flip"
    Params = FlipParams

    def on_bar(self, ctx: StrategyContext, bars: Mapping[str, Bar]) -> None:
        p = self.params
        assert isinstance(p, FlipParams)
        for iid in bars:
            if ctx.bar_count(iid) % p.period == 0:
                if ctx.position(iid) == 0:
                    ctx.buy(iid, p.quantity)
                else:
                    ctx.close_position(iid)


def load_strategy(spec: StrategySpec) -> Strategy:
    if spec.id != "flip":
        raise StrategyLoadError(f"unknown strategy {spec.id!r}")
    return Flip(spec.params)


class FakeEngine(SimFakeEngine):
    """The shared simulated-broker fake; every fill price reported ``bias`` higher."""

    def __init__(self, version: str = "1.0", bias: float = 0.0) -> None:
        super().__init__(
            version=version,
            adapter="tests",
            adapter_version="1",
            price=(lambda p: p + bias) if bias else None,
        )

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        return super().run(config, strategy, data.between(config.start, config.end))


def make_data(days: int = 30, *, name: str = "synthetic", drift: float = 0.0) -> MarketData:
    start = to_ns(date(2024, 1, 1))
    series = []
    for k, iid in enumerate(("BBB", "AAA")):
        ts = [start + i * DAY_NS for i in range(days)]
        close = [100.0 + k * 7 + drift + ((i * 37) % 11) * 0.5 + i * 0.1 for i in range(days)]
        opens = [c - 0.25 for c in close]
        series.append(
            BarSeries.from_columns(
                iid,
                ts,
                opens,
                [c + 1.0 for c in close],
                [o - 1.0 for o in opens],
                close,
                [1000.0 + i for i in range(days)],
            )
        )
    return MarketData([Instrument(id="BBB"), Instrument(id="AAA")], series, name=name)


def make_config(period: int = 3, *, engine: str = "fake", seed: int = 7) -> RunConfig:
    return RunConfig(
        strategy=StrategySpec(id="flip", params={"period": period}),
        dataset={"name": "synthetic"},
        engine=engine,
        seed=seed,
        cost_model={"commission_bps": 5.0},
    )


def run_fake(
    period: int = 3, data: MarketData | None = None
) -> tuple[BacktestResult, MarketData, Strategy]:
    config = make_config(period)
    data = data or make_data()
    strategy = load_strategy(config.strategy)
    return FakeEngine().run(config, strategy, data), data, strategy


@pytest.fixture
def fake_run() -> tuple[BacktestResult, MarketData, Strategy]:
    return run_fake()


@pytest.fixture
def fakes() -> SimpleNamespace:
    """The fakes and builders, for tests (test modules cannot import conftest by name)."""
    return SimpleNamespace(
        FakeEngine=FakeEngine,
        Flip=Flip,
        load_strategy=load_strategy,
        make_data=make_data,
        make_config=make_config,
        run_fake=run_fake,
    )


# --- PostgreSQL: a throwaway server unless FINBOT_TEST_POSTGRES_URL is given ------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    given = os.environ.get("FINBOT_TEST_POSTGRES_URL")
    if given:
        yield given.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip(
            "PostgreSQL server binaries not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "run `.ci/postgres` or `apt-get install postgresql`, or set FINBOT_TEST_POSTGRES_URL"
        )
    bindir = Path(found[-1]).parent
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="finbot-pg-"))
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data_dir, port = base / "data", _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data_dir), "-U", "postgres",
         "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data_dir), "-l", str(base / "server.log"),
         "-w", "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
        check=True, capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"],
            check=False, capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the server for one test."""
    name = f"finbot_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_server).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """(location, artifacts dir) for a new registry on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "registry"), tmp_path / "registry" / "artifacts"
    url = request.getfixturevalue("postgres_database")
    return url, tmp_path / "artifacts"


@pytest.fixture
def registry(registry_location: tuple[str, Path]) -> Iterator[Registry]:
    location, artifacts = registry_location
    reg = Registry.open(location, artifacts_dir=artifacts)
    try:
        yield reg
    finally:
        reg.close()
