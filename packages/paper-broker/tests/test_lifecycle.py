import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finbot.contracts import OrderStatus
from finbot.paper_broker import (
    TRANSITIONS,
    IllegalTransitionError,
    OrderEvent,
    fill_event,
    next_status,
)

S, E = OrderStatus, OrderEvent
# The lifecycle written out by hand, row by row: the table the module must equal exactly.
EXPECTED = {
    S.NEW: {E.ACCEPT: S.ACCEPTED, E.REJECT: S.REJECTED, E.CANCEL: S.CANCELED},
    S.ACCEPTED: {
        E.PARTIAL_FILL: S.PARTIALLY_FILLED,
        E.FILL: S.FILLED,
        E.CANCEL: S.CANCELED,
        E.REJECT: S.REJECTED,
        E.EXPIRE: S.EXPIRED,
    },
    S.PARTIALLY_FILLED: {
        E.PARTIAL_FILL: S.PARTIALLY_FILLED,
        E.FILL: S.FILLED,
        E.CANCEL: S.CANCELED,
        E.REJECT: S.REJECTED,
        E.EXPIRE: S.EXPIRED,
    },
    S.FILLED: {},
    S.CANCELED: {},
    S.REJECTED: {},
    S.EXPIRED: {},
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(S, E)))
def test_every_pair_is_legal_exactly_as_written_down(status, event):
    expected = EXPECTED[status].get(event)
    if expected is None:
        with pytest.raises(IllegalTransitionError, match=f"{status} cannot {event}"):
            next_status(status, event)
    else:
        assert next_status(status, event) is expected


def test_the_table_has_no_pair_beyond_the_written_ones():
    assert dict(TRANSITIONS) == {
        (s, e): new for s, row in EXPECTED.items() for e, new in row.items()
    }


def test_final_states_are_exactly_the_contract_final_states():
    for status in S:
        assert (not EXPECTED[status]) == status.is_final


@given(st.lists(st.sampled_from(list(E)), max_size=12))
def test_no_sequence_of_events_leaves_a_final_state(events):
    status = S.NEW
    for event in events:
        try:
            new = next_status(status, event)
        except IllegalTransitionError:
            assert EXPECTED[status].get(event) is None
            continue
        assert not status.is_final
        status = new


def test_fill_event_tells_partial_from_complete_and_refuses_overfills():
    assert fill_event(0.0, 40.0, 100.0) is E.PARTIAL_FILL
    assert fill_event(40.0, 60.0, 100.0) is E.FILL
    assert fill_event(0.0, 100.0, 100.0) is E.FILL
    with pytest.raises(IllegalTransitionError, match=r"brings 101\.0 of an order for 100\.0"):
        fill_event(40.0, 61.0, 100.0)
    with pytest.raises(IllegalTransitionError, match="must be positive"):
        fill_event(0.0, 0.0, 100.0)
