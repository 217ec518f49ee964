"""The hash chain over every record part: each entry seals its record and the entry before it.

Entry ``n`` stores the record's own seal (start or outcome hash), the previous entry's chain hash
and its chain hash: sha256, or HMAC-SHA256 under the registry key, of those values. Deleting or
editing a record, or an entry, breaks the chain; without the key, a forger who recomputes every
later entry is caught by the keyed newest entry.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, text

from finbot.contracts import canonical_json

from ._schema import record_chain, run_outcomes, runs

ENV_KEY = "FINBOT_REGISTRY_KEY"
GENESIS = "0" * 64
START = "start"
OUTCOME = "outcome"
# Any constant: it only has to be the same in every process appending to one database.
_PG_CHAIN_LOCK = 0x66696E636861


def key_from_env() -> bytes | None:
    """The registry key from ``$FINBOT_REGISTRY_KEY`` (UTF-8), or None when unset or empty."""
    value = os.environ.get(ENV_KEY, "")
    return value.encode() if value else None


def chain_hash(
    seq: int, run_id: str, part: str, record_hash: str, prev_hash: str, key: bytes | None
) -> str:
    """The seal of one entry: HMAC-SHA256 under ``key``, or plain sha256 without one."""
    payload = canonical_json(
        {"seq": seq, "run_id": run_id, "part": part, "record_hash": record_hash, "prev": prev_hash}
    ).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def append(conn: Connection, run_id: str, part: str, record_hash: str, key: bytes | None) -> None:
    """Append one entry inside the caller's write transaction.

    SQLite writers are already serialized by ``BEGIN IMMEDIATE``; PostgreSQL ones by an advisory
    lock held to commit, so two writers never read the same chain head.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})
    head = conn.execute(
        select(record_chain.c.seq, record_chain.c.chain_hash)
        .order_by(record_chain.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
    conn.execute(
        insert(record_chain).values(
            seq=seq,
            run_id=run_id,
            part=part,
            record_hash=record_hash,
            prev_hash=prev,
            chain_hash=chain_hash(seq, run_id, part, record_hash, prev, key),
            keyed=key is not None,
        )
    )


def seal_existing(conn: Connection) -> None:
    """Chain records made before the chain existed (migration to v2), in run-id (time) order."""
    starts = conn.execute(select(runs.c.run_id, runs.c.start_hash).order_by(runs.c.run_id))
    outcomes = {
        str(run_id): str(seal)
        for run_id, seal in conn.execute(select(run_outcomes.c.run_id, run_outcomes.c.outcome_hash))
    }
    for run_id, start_seal in starts.all():
        append(conn, run_id, START, start_seal, None)
        if run_id in outcomes:
            append(conn, run_id, OUTCOME, outcomes[run_id], None)


@dataclass(frozen=True, slots=True)
class Entry:
    """One chain entry as stored."""

    seq: int
    run_id: str
    part: str
    record_hash: str
    prev_hash: str
    chain_hash: str
    keyed: bool


def entries(conn: Connection) -> list[Entry]:
    """Every entry, in chain order."""
    rows = conn.execute(select(record_chain).order_by(record_chain.c.seq)).all()
    return [Entry(*(row._mapping[c] for c in record_chain.c)) for row in rows]


def chain_problems(chain: Iterable[Entry], key: bytes | None) -> list[str]:
    """Broken links, forged seals and (with a key) entries the key does not cover."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    keyed_seen = unverifiable = 0
    last: Entry | None = None
    for entry in chain:
        where = f"chain entry {entry.seq} (run {entry.run_id}, {entry.part})"
        if entry.seq != expected_seq:
            problems.append(
                f"hash chain: entries {expected_seq}..{entry.seq - 1} are missing (deleted)"
            )
        if entry.prev_hash != prev:
            problems.append(f"hash chain: {where} does not link to the entry before it")
        if entry.keyed and key is None:
            unverifiable += 1
        else:
            recomputed = chain_hash(
                entry.seq, entry.run_id, entry.part, entry.record_hash, entry.prev_hash,
                key if entry.keyed else None,
            )
            if not hmac.compare_digest(recomputed, entry.chain_hash):
                how = "under the registry key" if entry.keyed else "(sha256)"
                problems.append(f"hash chain: {where} does not match its seal {how}")
        if key is not None and keyed_seen and not entry.keyed:
            problems.append(f"hash chain: {where} is not sealed with the key, unlike earlier ones")
        keyed_seen += entry.keyed
        expected_seq, prev, last = entry.seq + 1, entry.chain_hash, entry
    if unverifiable:
        problems.append(
            f"hash chain: {unverifiable} entries are sealed with a registry key; set {ENV_KEY} "
            "to check them"
        )
    if key is not None and last is not None and not last.keyed:
        problems.append(
            f"hash chain: the newest entry ({last.seq}) is not sealed with the key {ENV_KEY} "
            "gives, so the records are not protected by it (record a run with the key set)"
        )
    return problems


def link_problems(
    chain: Iterable[Entry],
    starts: Mapping[str, str],
    outcomes: Mapping[str, str],
) -> list[str]:
    """Records and entries that do not match: deleted rows, rows without entries, edited seals.

    ``starts``/``outcomes`` map run id -> stored start/outcome hash of every row present.
    """
    problems: list[str] = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry in chain:
        seen[(entry.run_id, entry.part)] = entry
        stored = (starts if entry.part == START else outcomes).get(entry.run_id)
        if stored is None:
            problems.append(
                f"run {entry.run_id}: integrity check failed: its {entry.part} record is missing "
                f"(chain entry {entry.seq} sealed it): the row was deleted"
            )
        elif stored != entry.record_hash:
            problems.append(
                f"run {entry.run_id}: integrity check failed: its {entry.part} record hash "
                f"{stored} differs from the one chain entry {entry.seq} sealed "
                f"({entry.record_hash}): the record was rewritten"
            )
    for part, rows in ((START, starts), (OUTCOME, outcomes)):
        for run_id in rows:
            if (run_id, part) not in seen:
                problems.append(
                    f"run {run_id}: integrity check failed: its {part} record is not in the hash "
                    "chain: it was inserted behind the registry's back"
                )
    return problems
