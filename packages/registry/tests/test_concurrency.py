"""Four processes recording at once lose no run, on SQLite (WAL) and on PostgreSQL."""

import multiprocessing

from finbot.registry import SCHEMA_VERSION, Registry

WRITERS = 4
RUNS_EACH = 12


def _writer(location: str, artifacts: str, writer: int, run_fake, queue) -> None:
    try:
        with Registry.open(location, artifacts_dir=artifacts) as reg:
            ids = []
            for i in range(RUNS_EACH):
                # Each writer pins the same data and half the results are equal, so the
                # content-addressed stores also see concurrent writes of identical blobs.
                result, data, strategy = run_fake(period=2 + (i % 2))
                ids.append(reg.record(result, data, strategy=strategy, tags=[f"w{writer}"]))
        queue.put((writer, ids, None))
    except BaseException as exc:  # report to the parent instead of dying silently
        queue.put((writer, [], repr(exc)))


def test_concurrent_writers_lose_nothing(registry_location, fakes) -> None:
    location, artifacts = registry_location
    # Create the schema first in this process, then close it before forking.
    Registry.open(location, artifacts_dir=artifacts).close()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(location, str(artifacts), w, fakes.run_fake, queue))
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    reports = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    errors = [err for _, _, err in reports if err]
    assert errors == []
    written = {run_id for _, ids, _ in reports for run_id in ids}
    assert len(written) == WRITERS * RUNS_EACH
    with Registry.open(location, artifacts_dir=artifacts) as reg:
        stored = reg.runs()
        assert {r.run_id for r in stored} == written
        for w in range(WRITERS):
            assert len(reg.runs(tag=f"w{w}")) == RUNS_EACH
        assert reg.verify() == []


def test_concurrent_first_open_migrates_once(registry_location) -> None:
    location, artifacts = registry_location
    openers = 6
    ctx = multiprocessing.get_context("fork")

    def _open(queue) -> None:
        try:
            Registry.open(location, artifacts_dir=artifacts).close()
            queue.put(None)
        except BaseException as exc:
            queue.put(repr(exc))

    queue = ctx.Queue()
    procs = [ctx.Process(target=_open, args=(queue,)) for _ in range(openers)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [None] * openers
    with Registry.open(location, artifacts_dir=artifacts) as reg:
        assert reg.schema_version == SCHEMA_VERSION
