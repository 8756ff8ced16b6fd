"""PartitionOrder: the rule that keeps a partition's records in offset order, none skipped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.ordering import MAX_WAITING, Admit, Handover, PartitionOrder

TP = ("corridor.inbound.PK-FIA", 1)
OTHER = ("corridor.inbound.PK-FIA", 2)


def positioned(offset: int = 57) -> PartitionOrder:
    order = PartitionOrder()
    order.assigned([TP, OTHER])
    order.positioned(TP, offset)
    return order


def test_nothing_is_delivered_between_an_assignment_and_the_seek_to_committed() -> None:
    order = PartitionOrder()
    order.assigned([TP])
    # Fetched from the stale position Faust resumed with (past records dropped earlier).
    assert order.admit(TP, 68) is Admit.NOT_POSITIONED
    order.positioned(TP, 57)
    assert [order.admit(TP, o) for o in (57, 58)] == [Admit.DELIVER, Admit.DELIVER]


def test_the_issue_sequence_is_sought_back_instead_of_skipping_66_and_67() -> None:
    order = positioned(57)
    assert all(order.admit(TP, o) is Admit.DELIVER for o in range(57, 66))
    assert order.admit(TP, 68) is Admit.SEEK_BACK
    assert order.next_offset(TP) == 66
    # The rest of that batch is dropped; the next batch starts where the seek put it.
    assert order.admit(TP, 69) is Admit.AFTER_SEEK_BACK
    order.new_batch()
    assert [order.admit(TP, o) for o in (66, 67, 68)] == [Admit.DELIVER] * 3


def test_a_partition_sought_back_does_not_hold_up_the_others() -> None:
    order = positioned(10)
    order.positioned(OTHER, 0)
    assert order.admit(TP, 12) is Admit.SEEK_BACK
    assert order.admit(OTHER, 0) is Admit.DELIVER


def test_offsets_that_no_longer_exist_after_seeking_back_are_passed_over_once() -> None:
    order = positioned(10)
    assert order.admit(TP, 15) is Admit.SEEK_BACK
    order.new_batch()
    # The seek landed on 15 again: 10-14 were deleted (retention) or are markers.
    assert order.admit(TP, 15) is Admit.DELIVER_AFTER_GAP
    assert order.admit(TP, 16) is Admit.DELIVER
    assert order.admit(TP, 18) is Admit.SEEK_BACK


def test_records_below_the_next_offset_are_dropped_as_already_delivered() -> None:
    order = positioned(5)
    assert order.admit(TP, 5) is Admit.DELIVER
    assert order.admit(TP, 6) is Admit.DELIVER
    assert order.admit(TP, 5) is Admit.ALREADY_DELIVERED


def test_a_new_assignment_or_a_revocation_forgets_the_position() -> None:
    order = positioned(5)
    order.assigned([TP])
    assert order.admit(TP, 5) is Admit.NOT_POSITIONED
    order.revoked([TP])
    assert order.next_offset(TP) is None
    assert order.admit(TP, 9) is Admit.DELIVER  # not ours to guard any more


@pytest.mark.parametrize("start", [0, 3, 1000], ids=["log-start", "committed", "far"])
def test_a_seek_repositions(start: int) -> None:
    order = positioned(50)
    assert order.admit(TP, 50) is Admit.DELIVER
    order.positioned(TP, start)
    assert order.admit(TP, start) is Admit.DELIVER


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 8)),  # (offset of a batch, its length)
        max_size=30,
    )
)
def test_whatever_the_fetches_return_deliveries_never_skip_an_offset_unasked(
    batches: list[tuple[int, int]],
) -> None:
    order = positioned(0)
    last = -1
    sought_back = refetched = False
    for first, length in batches:
        order.new_batch()
        refetched = refetched or sought_back
        sought_back = False
        for offset in range(first, first + length):
            verdict = order.admit(TP, offset)
            if verdict is Admit.DELIVER:
                assert offset == last + 1
                last, refetched = offset, False
            elif verdict is Admit.DELIVER_AFTER_GAP:
                # Only the first record read after seeking back may lie past the next offset.
                assert refetched and offset > last + 1
                last, refetched = offset, False
            elif verdict is Admit.SEEK_BACK:
                assert offset > last + 1 and not sought_back
                sought_back = True


def test_a_record_delivered_and_then_emptied_from_the_agents_queue_is_read_again() -> None:
    """The lost revision of the worker-kill case: offset 43 was fetched during the seek
    to the committed offsets after an assignment, delivered, and thrown away when Faust
    resumed the flow (which empties the agents' queues); 44 came after and passed."""
    taken: set[int] = set()
    handover: Handover[int] = Handover(lambda offset: offset in taken)
    order = positioned(43)
    assert order.admit(TP, 43) is Admit.DELIVER
    handover.handed(TP, 43, 43)
    # The flow resumes: the queue is emptied before any stream took 43.
    lost = handover.lost()
    assert lost == {TP: 43}
    order.rewind(TP, lost[TP])
    assert order.admit(TP, 44) is Admit.AFTER_SEEK_BACK  # the rest of the batch in hand
    order.positioned(TP, 43)  # the consumer's seek back, before the next fetch
    assert [order.admit(TP, o) for o in (43, 44)] == [Admit.DELIVER, Admit.DELIVER]


def test_records_a_stream_took_are_not_read_again_when_the_flow_resumes() -> None:
    taken: set[int] = set()
    handover: Handover[int] = Handover(lambda offset: offset in taken)
    for offset in (10, 11, 12):
        handover.handed(TP, offset, offset)
    handover.handed(OTHER, 5, 5)
    taken |= {10, 11, 12, 5}
    assert handover.lost() == {}
    handover.handed(TP, 13, 13)
    handover.handed(TP, 14, 14)
    taken.add(13)
    assert handover.lost() == {TP: 14}
    assert len(handover) == 0  # forgotten once told


def test_taken_records_are_not_kept() -> None:
    taken: set[int] = set()
    handover: Handover[int] = Handover(lambda offset: offset in taken)
    for offset in range(1000):
        handover.handed(TP, offset, offset)
        taken.add(offset)
    assert len(handover) <= 1


def test_a_rewind_of_a_partition_not_positioned_yet_changes_nothing() -> None:
    order = PartitionOrder()
    order.assigned([TP])
    order.rewind(TP, 3)
    assert order.admit(TP, 3) is Admit.NOT_POSITIONED


def test_a_record_no_stream_takes_does_not_keep_every_later_one() -> None:
    taken: set[int] = set()
    handover: Handover[int] = Handover(lambda offset: offset in taken)
    for offset in range(MAX_WAITING + 10):
        handover.handed(TP, offset, offset)
        if offset > 0:  # 0 was dropped by Faust itself; the stream took all the others
            taken.add(offset)
    assert len(handover) <= 1
