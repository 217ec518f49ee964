import sqlite3

import pytest

from finbot.paper_broker import Journal, JournalError


def test_events_are_numbered_and_read_back_in_order(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    assert journal.append("order_new", 10, {"quantity": 5.0}, "O-1") == 1
    assert journal.append("order_accepted", 20, {}, "O-1") == 2
    entries = list(journal.entries())
    assert [(e.seq, e.kind, e.ts_ns, e.order_id) for e in entries] == [
        (1, "order_new", 10, "O-1"),
        (2, "order_accepted", 20, "O-1"),
    ]
    assert entries[0].payload == {"quantity": 5.0}
    assert all(e.recorded_at_ns > 0 for e in entries)
    assert [e.seq for e in journal.entries(after_seq=1)] == [2]
    journal.close()
    assert Journal(tmp_path / "j.sqlite").last_seq == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET kind = 'order_filled' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 1",
        "DELETE FROM events",
        # an insert that is not the next number: no rewriting of history by insert either
        "INSERT INTO events VALUES (1, 0, 0, 'x', NULL, '{}')",
        "INSERT INTO events VALUES (5, 0, 0, 'x', NULL, '{}')",
    ],
)
def test_the_file_refuses_anything_but_an_append(tmp_path, statement):
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.append("order_new", 10, {"quantity": 5.0}, "O-1")
    journal.close()
    # straight through sqlite3, as anyone with the file could
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)
    db.close()
    assert [e.kind for e in Journal(path).entries()] == ["order_new"]


def test_same_event_ignores_only_the_number_and_the_wall_clock(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    journal.append("order_filled", 10, {"price": 1.5, "quantity": 2.0}, "O-1")
    (entry,) = journal.entries()
    assert entry.same_event("order_filled", "O-1", 10, {"quantity": 2.0, "price": 1.5})
    assert not entry.same_event("order_filled", "O-1", 10, {"quantity": 2.0, "price": 1.6})
    assert not entry.same_event("order_filled", "O-2", 10, {"quantity": 2.0, "price": 1.5})
    assert not entry.same_event("order_filled", "O-1", 11, {"quantity": 2.0, "price": 1.5})


def test_a_file_that_is_not_a_journal_is_named(tmp_path):
    path = tmp_path / "not.sqlite"
    path.write_text("hello, this is not a database file at all" * 10)
    with pytest.raises(JournalError, match=r"not\.sqlite"):
        Journal(path)
