"""The registry: records runs append-only, pins their data, and reads them back verified."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from finbot.contracts import (
    BacktestResult,
    MarketData,
    RunConfig,
    Strategy,
    canonical_json,
)

from . import _chain
from ._artifacts import ArtifactStore
from ._batches import BatchStore
from ._database import (
    Location,
    is_writable,
    read_transaction,
    resolve_location,
    scrub,
    write_transaction,
)
from ._environment import Environment, capture_environment
from ._errors import (
    RegistryError,
    RegistryIntegrityError,
    RunNotFoundError,
    RunStateError,
)
from ._identity import strategy_identity
from ._ids import new_run_id
from ._liveness import DEFAULT_RUNNING_LIMIT, stale_reason
from ._record import RunRecord, RunStatus, outcome_hash, start_hash, utc_iso
from ._rerun import EngineFactory, RerunReport, StrategyLoader, rerun
from ._rows import RESULT_ARTIFACT, joined, outcome_values, start_values, to_record
from ._schema import check_version, migrate, record_chain, run_outcomes, runs, snapshots
from ._snapshot_codec import decode_snapshot, encode_snapshot, same_window
from ._verify import ListedRun, VerificationReport, database_check, metrics_problem

DEFAULT_LOCATION = ".finbot"
ENV_LOCATION = "FINBOT_REGISTRY"


def _now() -> datetime:
    return datetime.now(UTC)


def _error_text(error: str | BaseException) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return error


class Registry:
    """An experiment registry on SQLite or PostgreSQL, with artifacts in a local directory.

    Implements ``finbot.contracts.RunRegistry``. Open one with :meth:`open`.
    """

    def __init__(
        self,
        engine: Engine,
        artifacts: ArtifactStore,
        location: str,
        *,
        key: bytes | None = None,
        read_only: bool = False,
        create: bool = True,
        running_limit: timedelta = DEFAULT_RUNNING_LIMIT,
    ) -> None:
        self._engine = engine
        self.artifacts = artifacts
        self.location = location
        self._key = key
        self.running_limit = running_limit
        if read_only or not create:
            with read_transaction(engine) as conn:
                version = check_version(conn, location=location, migrating=not read_only)
        if read_only:
            self.read_only = True
            self.schema_version = version
            return
        with write_transaction(engine) as conn:
            self.schema_version = migrate(conn)
            # A PostgreSQL user may read but not write (SQLite's read-only files are found before).
            self.read_only = not is_writable(conn)
        if not self.read_only:
            self.abandon_stale()

    # --- opening ----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        *,
        artifacts_dir: Path | None = None,
        key: bytes | str | None = None,
        create: bool = True,
        running_limit: timedelta = DEFAULT_RUNNING_LIMIT,
    ) -> Registry:
        """Open a registry (creating it if needed, unless ``create`` is False).

        Opening a writable registry migrates its schema and marks runs ``abandoned`` that are still
        running although their process is gone or they ran past their time (see ``_liveness``).
        A registry the process may not write (read-only file or mount, or a PostgreSQL user
        without INSERT) opens read-only: it can be listed, read and verified.

        Args:
            location: a directory (SQLite at ``<dir>/registry.sqlite``, artifacts in
                ``<dir>/artifacts``), a ``sqlite:///file`` URL, or a ``postgresql://`` URL.
                Defaults to ``$FINBOT_REGISTRY``, else ``./.finbot``.
            artifacts_dir: where artifacts go; defaults to beside the SQLite file, or for
                PostgreSQL to ``$FINBOT_REGISTRY_ARTIFACTS``, else ``./.finbot/artifacts``.
            key: the registry key that seals the hash chain with HMAC-SHA256; defaults to
                ``$FINBOT_REGISTRY_KEY`` (no key: plain sha256).
            create: False to refuse (``RegistryNotFoundError``) a location holding no registry
                instead of creating one: what reading commands want.
            running_limit: how long a run may stay ``running`` before it is marked abandoned
                (a run with a timeout gets its timeout plus five minutes instead).

        Raises:
            RegistryError: The directory cannot be created, the URL names no supported database,
                the database cannot be opened (refused, or not a SQLite file), or its schema is
                newer than this code (or older, on a read-only registry). A URL's password is
                masked in the message.
        """
        where = str(location) if location is not None else os.environ.get(ENV_LOCATION, "")
        where = where or DEFAULT_LOCATION
        found: Location = resolve_location(where, artifacts_dir, create=create)
        if isinstance(key, str):
            key = key.encode()
        try:
            return cls(
                found.engine,
                ArtifactStore(found.artifacts),
                found.shown,
                key=key if key is not None else _chain.key_from_env(),
                read_only=found.read_only,
                create=create,
                running_limit=running_limit,
            )
        except SQLAlchemyError as exc:
            found.engine.dispose()
            # A server that refuses us, or a file that is no SQLite database: say which registry.
            reason = scrub(" ".join(str(getattr(exc, "orig", None) or exc).split()), where)
            raise RegistryError(f"cannot open registry {found.shown}: {reason}") from exc
        except BaseException:
            found.engine.dispose()
            raise

    def close(self) -> None:
        """Release database connections."""
        self._engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def batches(self) -> BatchStore:
        """The batch tables: batches of runs and each attempt at each of their runs."""
        return BatchStore(self._engine)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    # --- writing ----------------------------------------------------------------------------
    def start(
        self,
        config: RunConfig,
        *,
        strategy: Strategy | None = None,
        tags: Iterable[str] = (),
        started: datetime | None = None,
        environment: Environment | None = None,
        timeout_seconds: float | None = None,
    ) -> str:
        """Record that a run has started (status ``running``); returns its new run id.

        Write it before the run, so a run that is killed or hangs stays visible; ``timeout_seconds``
        (the run's own limit, if it has one) tells ``abandon_stale`` when to give up on it.
        """
        row = self._start_row(config, strategy, tags, started, environment, timeout_seconds)
        with self._writing() as conn:
            self._insert_start(conn, row)
        return str(row["run_id"])

    def finish(
        self,
        run_id: str,
        result: BacktestResult,
        data: MarketData,
        *,
        finished: datetime | None = None,
        artifacts: Mapping[str, bytes] | None = None,
        dataset: MarketData | None = None,
    ) -> RunRecord:
        """Record a running run's result, pinning ``data`` (what the engine was given).

        With ``dataset`` (the whole dataset ``data`` was cut from with the config's start/end),
        that dataset is pinned instead, once for every run on it, and reruns cut it again. When
        ``data`` is not exactly that cut (e.g. a missing-data policy filled it), ``data`` is
        pinned as it is.
        """
        start = self._start_of(run_id)
        if result.config.config_hash() != start["config_hash"]:
            raise RunStateError(
                f"run {run_id} started with config {start['config_hash']} but the result is for "
                f"config {result.config.config_hash()}"
            )
        outcome = self._finished_outcome(start, result, data, finished, artifacts, dataset)
        with self._writing() as conn:
            self._insert_outcome(conn, start, outcome)
        return self.get(run_id)

    def fail(
        self,
        run_id: str,
        error: str | BaseException,
        *,
        finished: datetime | None = None,
        data: MarketData | None = None,
    ) -> RunRecord:
        """Record that a running run failed, with its error message (and data if it was loaded)."""
        start = self._start_of(run_id)
        outcome = self._failed_outcome(start, error, finished, data)
        with self._writing() as conn:
            self._insert_outcome(conn, start, outcome)
        return self.get(run_id)

    def record(
        self,
        result: BacktestResult,
        data: MarketData,
        *,
        strategy: Strategy | None = None,
        started: datetime | None = None,
        finished: datetime | None = None,
        tags: Iterable[str] = (),
        artifacts: Mapping[str, bytes] | None = None,
        dataset: MarketData | None = None,
    ) -> str:
        """Record a finished run in one step (start and outcome in one transaction).

        ``dataset``: as for :meth:`finish`.
        """
        finished = finished or _now()
        start = self._start_row(result.config, strategy, tags, started or finished, None)
        outcome = self._finished_outcome(start, result, data, finished, artifacts, dataset)
        with self._writing() as conn:
            self._insert_start(conn, start)
            self._insert_outcome(conn, start, outcome)
        return str(start["run_id"])

    def record_failure(
        self,
        config: RunConfig,
        error: str | BaseException,
        *,
        strategy: Strategy | None = None,
        started: datetime | None = None,
        finished: datetime | None = None,
        tags: Iterable[str] = (),
        data: MarketData | None = None,
    ) -> str:
        """Record a failed run in one step."""
        finished = finished or _now()
        start = self._start_row(config, strategy, tags, started or finished, None)
        outcome = self._failed_outcome(start, error, finished, data)
        with self._writing() as conn:
            self._insert_start(conn, start)
            self._insert_outcome(conn, start, outcome)
        return str(start["run_id"])

    def abandon_stale(self, now: datetime | None = None) -> list[str]:
        """Mark ``abandoned`` the runs still running whose process is gone or whose time is up.

        Called on every writable open; returns the run ids it marked. A run whose record does not
        verify is left for ``verify`` to report.
        """
        moment = now or _now()
        with read_transaction(self._engine) as conn:
            rows = conn.execute(joined().where(run_outcomes.c.run_id.is_(None))).all()
        marked: list[str] = []
        for row in rows:
            try:
                record = to_record(row)
            except RegistryError:
                continue
            reason = stale_reason(record, moment, self.running_limit)
            if reason is None:
                continue
            start = {"run_id": record.run_id, "started_at": record.started_at,
                     "start_hash": record.start_hash}
            outcome = {**self._timing(start, moment), **_empty_outcome(RunStatus.ABANDONED, reason)}
            try:
                with self._writing() as conn:
                    self._insert_outcome(conn, start, outcome)
            except RunStateError:
                continue  # it finished meanwhile
            marked.append(record.run_id)
        return marked

    # --- reading ----------------------------------------------------------------------------
    def get(self, run_id: str) -> RunRecord:
        """One run, verified; ``run_id`` may be a unique prefix (at least 6 characters)."""
        key = run_id.strip().upper()
        with read_transaction(self._engine) as conn:
            query = joined()
            if len(key) == 26:
                query = query.where(runs.c.run_id == key)
            elif len(key) >= 6:
                query = query.where(runs.c.run_id.startswith(key, autoescape=True)).limit(2)
            else:
                raise RunNotFoundError(f"run id {run_id!r} is too short (give at least 6 chars)")
            found = conn.execute(query).all()
        if not found:
            raise RunNotFoundError(f"no run {run_id!r} in registry {self.location}")
        if len(found) > 1:
            raise RunNotFoundError(f"run id prefix {run_id!r} matches more than one run")
        return to_record(found[0])

    def runs(
        self,
        *,
        strategy: str | None = None,
        engine: str | None = None,
        status: RunStatus | str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        tag: str | None = None,
    ) -> list[RunRecord]:
        """Runs matching every filter given, oldest first, each verified.

        ``since``/``until`` bound the start time; a date ``until`` includes that whole UTC day.
        Raises ``RegistryIntegrityError`` for the first record that does not verify; use
        :meth:`scan` to get the others with the bad ones flagged.
        """
        listed = self.scan(
            strategy=strategy, engine=engine, status=status, since=since, until=until, tag=tag
        )
        for item in listed:
            if item.problem is not None:
                raise RegistryIntegrityError.from_message(item.problem, run_id=item.run_id)
        return [item.record for item in listed if item.record is not None]

    def scan(
        self,
        *,
        strategy: str | None = None,
        engine: str | None = None,
        status: RunStatus | str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        tag: str | None = None,
    ) -> list[ListedRun]:
        """Like :meth:`runs`, but a record that does not verify is returned flagged, not raised.

        Runs whose rows were deleted (still sealed in the hash chain) come last, flagged. Flagged
        runs are kept whatever the filters say: their fields cannot be trusted to filter them.
        """
        query = joined()
        if strategy is not None:
            query = query.where(runs.c.strategy_id == strategy)
        if engine is not None:
            query = query.where(runs.c.engine_name == engine)
        if status is not None:
            wanted = RunStatus(status)
            if wanted is RunStatus.RUNNING:
                query = query.where(run_outcomes.c.run_id.is_(None))
            else:
                query = query.where(run_outcomes.c.status == wanted.value)
        if since is not None:
            query = query.where(runs.c.started_at >= utc_iso(_as_datetime(since)))
        if until is not None:
            if isinstance(until, datetime):
                query = query.where(runs.c.started_at <= utc_iso(until))
            else:
                query = query.where(
                    runs.c.started_at < utc_iso(_as_datetime(until + timedelta(days=1)))
                )
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query.order_by(runs.c.run_id)).all()
            present = set(conn.execute(select(runs.c.run_id)).scalars())
            chained = conn.execute(
                select(record_chain.c.run_id, record_chain.c.seq).order_by(record_chain.c.seq)
            ).all()
        listed: list[ListedRun] = []
        for row in rows:
            try:
                record = to_record(row)
            except RegistryIntegrityError as exc:
                listed.append(ListedRun(row._mapping[runs.c.run_id], None, str(exc)))
                continue
            if tag is None or tag in record.tags:
                listed.append(ListedRun(record.run_id, record, None))
        deleted: dict[str, list[int]] = {}
        for run_id, seq in chained:
            if run_id not in present:
                deleted.setdefault(run_id, []).append(int(seq))
        for run_id, seqs in deleted.items():
            listed.append(ListedRun(run_id, None, _deleted_message(run_id, seqs)))
        return listed

    def load_result(self, run_id: str) -> BacktestResult:
        """The stored result of a finished run, checked against the hash in its record."""
        return BacktestResult.from_json(self.load_result_bytes(run_id))

    def load_result_bytes(self, run_id: str) -> bytes:
        """The stored result JSON exactly as recorded (its sha256 is the result hash).

        Checked against the record's hash and its stored metrics.
        """
        record = self.get(run_id)
        # Only a finished outcome carries a result hash (a failed one stores None).
        if record.result_hash is None:
            raise RunStateError(f"run {record.run_id} is {record.status.value}; it has no result")
        blob = self.artifacts.get(record.result_hash, run_id=record.run_id, label="result")
        problem = metrics_problem(record, blob)
        if problem is not None:
            raise RegistryIntegrityError(problem, run_id=record.run_id, what="metrics")
        return blob

    def load_artifact(self, run_id: str, name: str) -> bytes:
        """A named artifact of a run, verified."""
        record = self.get(run_id)
        if name not in record.artifacts:
            known = ", ".join(sorted(record.artifacts)) or "none"
            raise RunNotFoundError(f"run {record.run_id} has no artifact {name!r} (has: {known})")
        return self.artifacts.get(record.artifacts[name], run_id=record.run_id, label=name)

    def load_snapshot(self, snapshot_id: str) -> MarketData:
        """The pinned market data with this snapshot id, rebuilt and verified."""
        with read_transaction(self._engine) as conn:
            row = conn.execute(
                select(snapshots.c.artifact_sha256).where(snapshots.c.snapshot_id == snapshot_id)
            ).first()
        if row is None:
            raise RunNotFoundError(f"no data snapshot {snapshot_id} in registry {self.location}")
        return self._snapshot(snapshot_id, row[0], run_id=None)

    def run_snapshot(self, run_id: str) -> MarketData:
        """The market data a run was given, from its own pinned snapshot (cut to its window)."""
        return self._run_data(self.get(run_id))

    def rerun(
        self, run_id: str, engine_factory: EngineFactory, strategy_loader: StrategyLoader
    ) -> RerunReport:
        """Rerun a finished run from its record and snapshot alone; see ``RerunReport``."""
        return rerun(self, run_id, engine_factory, strategy_loader)

    def verify(self) -> list[str]:
        """Check every record, result, artifact and snapshot; returns the problems found."""
        return list(self.check().problems)

    def check(self) -> VerificationReport:
        """Verify everything, reporting every problem instead of stopping at the first.

        The database's own integrity check, the hash chain (with the key, if any), every
        record's seals, its artifacts and data snapshot, and its metrics against its result.
        """
        problems, notes = database_check(self._engine)
        with read_transaction(self._engine) as conn:
            rows = conn.execute(joined().order_by(runs.c.run_id)).all()
            chain = _chain.entries(conn)
        problems.extend(_chain.chain_problems(chain, self._key))
        present = {row._mapping[runs.c.run_id] for row in rows}
        deleted: dict[str, list[int]] = {}
        for entry in chain:
            if entry.run_id not in present:
                deleted.setdefault(entry.run_id, []).append(entry.seq)
        problems.extend(_deleted_message(run_id, seqs) for run_id, seqs in deleted.items())
        for row in rows:
            try:
                self._check_record(to_record(row))
            except RegistryError as exc:
                problems.append(str(exc))
        if chain:
            keyed = "HMAC-SHA256 under the registry key" if chain[-1].keyed else "sha256"
            notes.append(
                f"hash chain: {len(chain)} entries, head {chain[-1].chain_hash} ({keyed}); keep "
                "the head elsewhere to detect the newest entries being cut off"
            )
        return VerificationReport(tuple(problems), tuple(notes), len(rows))

    # --- internals --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        if self.read_only:
            raise RegistryError(f"registry {self.location} is read-only; nothing can be recorded")
        with write_transaction(self._engine) as conn:
            yield conn

    def _insert_start(self, conn: Connection, row: Mapping[str, Any]) -> None:
        conn.execute(insert(runs).values(**row))
        _chain.append(conn, row["run_id"], _chain.START, row["start_hash"], self._key)

    def _check_record(self, record: RunRecord) -> None:
        for name, sha in record.artifacts.items():
            if name == RESULT_ARTIFACT:
                self.load_result_bytes(record.run_id)
            else:
                self.artifacts.get(sha, run_id=record.run_id, label=name)
        if record.snapshot_artifact and record.data_snapshot_id:
            self._run_data(record)

    def _run_data(self, record: RunRecord) -> MarketData:
        if record.data_snapshot_id is None or record.snapshot_artifact is None:
            raise RunStateError(f"run {record.run_id} has no pinned data snapshot")
        if record.dataset_snapshot_id is None:
            return self._snapshot(record.data_snapshot_id, record.snapshot_artifact, record.run_id)
        dataset = self._snapshot(
            record.dataset_snapshot_id, record.snapshot_artifact, record.run_id
        )
        config = record.config
        window = dataset.between(config.start, config.end)
        actual = window.snapshot_id()
        if not _same_snapshot(window, actual, record.data_snapshot_id):
            raise RegistryIntegrityError(
                f"dataset snapshot {record.dataset_snapshot_id} cut to "
                f"{config.start}..{config.end} gives data {actual}, not the run's "
                f"{record.data_snapshot_id}",
                run_id=record.run_id,
                what="data snapshot",
            )
        return window

    def _snapshot(self, snapshot_id: str, artifact: str, run_id: str | None) -> MarketData:
        blob = self.artifacts.get(artifact, run_id=run_id, label=f"data snapshot {snapshot_id}")
        data = decode_snapshot(blob, source=f"data snapshot {snapshot_id}")
        actual = data.snapshot_id()
        if not _same_snapshot(data, actual, snapshot_id):
            raise RegistryIntegrityError(
                f"data snapshot {snapshot_id} rebuilds to data with snapshot id {actual}",
                run_id=run_id,
                what="data snapshot",
            )
        return data

    def _start_row(
        self,
        config: RunConfig,
        strategy: Strategy | None,
        tags: Iterable[str],
        started: datetime | None,
        environment: Environment | None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any]:
        if timeout_seconds is not None and not timeout_seconds > 0:
            raise RegistryError(f"timeout_seconds must be positive, not {timeout_seconds}")
        identity = strategy_identity(config.strategy, strategy)
        env = environment or capture_environment()
        tag_list = sorted({t.strip() for t in tags if t.strip()})
        row: dict[str, Any] = {
            "run_id": new_run_id(),
            "started_at": utc_iso(started or _now()),
            "strategy_id": config.strategy.id,
            "engine_name": config.engine,
            "config_hash": config.config_hash(),
            "config_json": config.canonical_json(),
            "seed": config.seed,
            "strategy_json": canonical_json(identity.model_dump(mode="json")),
            "environment_json": canonical_json(env.model_dump(mode="json")),
            "tags_json": canonical_json(tag_list),
            # A float, as the column gives it back: the seal must see the same JSON value.
            "timeout_seconds": None if timeout_seconds is None else float(timeout_seconds),
        }
        row["start_hash"] = start_hash(start_values(row))
        return row

    def _start_of(self, run_id: str) -> dict[str, Any]:
        record = self.get(run_id)
        if record.status is not RunStatus.RUNNING:
            raise RunStateError(
                f"run {record.run_id} is already {record.status.value}; records are append-only"
            )
        return {
            "run_id": record.run_id,
            "started_at": record.started_at,
            "config_hash": record.config_hash,
            "start_hash": record.start_hash,
        }

    def _pin(self, data: MarketData) -> tuple[str, str]:
        snapshot_id = data.snapshot_id()
        with read_transaction(self._engine) as conn:
            known = conn.execute(
                select(snapshots.c.artifact_sha256).where(snapshots.c.snapshot_id == snapshot_id)
            ).scalar()
        if known is not None and self.artifacts.path(known).is_file():
            return snapshot_id, str(known)  # pinned before: once per dataset, not once per run
        artifact = self.artifacts.put(encode_snapshot(data))
        row = {
            "snapshot_id": snapshot_id,
            "artifact_sha256": artifact,
            "name": data.name,
            "instrument_count": len(data.instrument_ids),
            "bar_count": data.bar_count,
            "stored_at": utc_iso(_now()),
        }
        with self._writing() as conn:
            dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            conn.execute(dialect_insert(snapshots).values(**row).on_conflict_do_nothing())
        return snapshot_id, artifact

    def _timing(self, start: Mapping[str, Any], finished: datetime | None) -> dict[str, Any]:
        end = finished or _now()
        duration = (end - datetime.fromisoformat(start["started_at"])).total_seconds()
        if duration < 0:
            raise RegistryError(
                f"run {start['run_id']} would finish at {utc_iso(end)}, before it started "
                f"({start['started_at']})"
            )
        return {"finished_at": utc_iso(end), "duration_seconds": duration}

    def _finished_outcome(
        self,
        start: Mapping[str, Any],
        result: BacktestResult,
        data: MarketData,
        finished: datetime | None,
        artifacts: Mapping[str, bytes] | None,
        dataset: MarketData | None,
    ) -> dict[str, Any]:
        timing = self._timing(start, finished)
        config = result.config
        if dataset is not None and not same_window(dataset, data, config.start, config.end):
            # The window was changed after the cut (a missing-data policy filled or dropped
            # bars): only the window itself lets a rerun give the engine the same bars.
            dataset = None
        blob = result.to_json().encode()
        links = {RESULT_ARTIFACT: self.artifacts.put(blob)}
        for name, content in (artifacts or {}).items():
            if not name or name == RESULT_ARTIFACT:
                raise RegistryError(f"artifact name {name!r} is empty or reserved")
            links[name] = self.artifacts.put(content)
        pinned_id, snapshot_artifact = self._pin(dataset if dataset is not None else data)
        return {
            "status": RunStatus.FINISHED.value,
            **timing,
            "data_snapshot_id": data.snapshot_id(),
            "dataset_snapshot_id": pinned_id if dataset is not None else None,
            "snapshot_artifact": snapshot_artifact,
            "engine_json": canonical_json(result.engine.model_dump(mode="json")),
            "result_hash": links[RESULT_ARTIFACT],  # put() hashed it: a blob's name is its sha256
            "artifacts_json": canonical_json(links),
            "metrics_json": canonical_json(result.metrics.model_dump(mode="json")),
            "error": None,
        }

    def _failed_outcome(
        self,
        start: Mapping[str, Any],
        error: str | BaseException,
        finished: datetime | None,
        data: MarketData | None,
    ) -> dict[str, Any]:
        timing = self._timing(start, finished)
        snapshot_id, snapshot_artifact = self._pin(data) if data is not None else (None, None)
        return {
            **timing,
            **_empty_outcome(RunStatus.FAILED, _error_text(error) or "failed"),
            "data_snapshot_id": snapshot_id,
            "snapshot_artifact": snapshot_artifact,
        }

    def _insert_outcome(
        self, conn: Connection, start: Mapping[str, Any], outcome: dict[str, Any]
    ) -> None:
        row = {"run_id": start["run_id"], **outcome}
        row["outcome_hash"] = outcome_hash(start["start_hash"], outcome_values(row))
        try:
            with conn.begin_nested():
                conn.execute(insert(run_outcomes).values(**row))
        except IntegrityError:
            raise RunStateError(
                f"run {start['run_id']} already has an outcome; records are append-only"
            ) from None
        _chain.append(conn, row["run_id"], _chain.OUTCOME, row["outcome_hash"], self._key)


def _empty_outcome(status: RunStatus, error: str) -> dict[str, Any]:
    """The outcome fields of a run that produced no result."""
    return {
        "status": status.value,
        "data_snapshot_id": None,
        "dataset_snapshot_id": None,
        "snapshot_artifact": None,
        "engine_json": None,
        "result_hash": None,
        "artifacts_json": canonical_json({}),
        "metrics_json": None,
        "error": error,
    }


def _deleted_message(run_id: str, seqs: Sequence[int]) -> str:
    entries = ", ".join(str(s) for s in seqs)
    return (
        f"run {run_id}: integrity check failed: its records are missing but hash chain entries "
        f"{entries} sealed them: the run was deleted"
    )


def _as_datetime(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), tzinfo=UTC)


def record_run(
    registry: Registry,
    result: BacktestResult,
    data: MarketData,
    strategy: Strategy | None,
    started: datetime,
    finished: datetime,
    *,
    tags: Sequence[str] = (),
    artifacts: Mapping[str, bytes] | None = None,
    dataset: MarketData | None = None,
) -> str:
    """The CLI's hook after every backtest: record the finished run; returns its id."""
    return registry.record(
        result,
        data,
        strategy=strategy,
        started=started,
        finished=finished,
        tags=tags,
        artifacts=artifacts,
        dataset=dataset,
    )


def _same_snapshot(data: MarketData, current: str, recorded: str) -> bool:
    """Whether ``data`` is the recorded snapshot: by today's id, else by the pre-schema-2 id.

    Runs recorded before result schema 2 pinned their data under the text form of the id (ADR
    0017); that slower form is computed only when today's id does not match.
    """
    return recorded == current or recorded == data.legacy_snapshot_id()
