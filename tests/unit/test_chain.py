"""The hash chain's verdicts on a log, without a database: each kind of tampering named at its position."""

from __future__ import annotations

import dataclasses
import uuid

from casetrail.services.chain import GENESIS, Break, LoggedEvent, links
from casetrail.services.chain import first_break as walk

STREAM = uuid.UUID(int=7)


def logged(count: int) -> list[LoggedEvent]:
    return [LoggedEvent(n, STREAM, n, "casetrail.domain.booking:Booking.Created", f'{{"n": {n}}}'.encode())
            for n in range(1, count + 1)]


def chained(events: list[LoggedEvent]) -> list[tuple[int, bytes]]:
    return list(links(GENESIS, events))


def first_break(events: list[LoggedEvent], kept: list[tuple[int, bytes]]) -> tuple[int, Break | None]:
    """The walk as a store feeds it: each event beside the link kept at its position (a left join)."""
    by_position = dict(kept)
    rows = [(e.position, str(e.stream_id), e.version, e.topic, e.state, by_position.get(e.position)) for e in events]
    return walk(rows, lambda after: min((p for p in by_position if p > after), default=None))


def test_an_intact_log_checks_every_position() -> None:
    events = logged(5)
    assert first_break(events, chained(events)) == (5, None)


def test_one_changed_byte_is_named_at_its_position() -> None:
    events = logged(5)
    kept = chained(events)
    events[2] = dataclasses.replace(events[2], state=events[2].state.replace(b"3", b"4"))
    checked, broken = first_break(events, kept)
    assert checked == 2 and broken is not None and broken.position == 3
    assert "stored bytes differ" in broken.problem


def test_a_changed_topic_stream_or_version_is_caught() -> None:
    for change in ({"topic": "casetrail.domain.booking:Booking.Cancelled"}, {"stream_id": uuid.UUID(int=8)},
                   {"version": 9}):
        events = logged(3)
        kept = chained(events)
        events[1] = dataclasses.replace(events[1], **change)  # type: ignore[arg-type]
        broken = first_break(events, kept)[1]
        assert broken is not None and broken.position == 2


def test_a_removed_row_is_named() -> None:
    events = logged(5)
    kept = chained(events)
    del events[3]
    checked, broken = first_break(events, kept)
    assert checked == 3 and broken is not None and broken.position == 4 and "no event" in broken.problem


def test_two_swapped_rows_break_at_the_first_of_them() -> None:
    events = logged(5)
    kept = chained(events)
    second, fourth = events[1], events[3]
    events[1] = dataclasses.replace(fourth, position=2)
    events[3] = dataclasses.replace(second, position=4)
    checked, broken = first_break(events, kept)
    assert checked == 1 and broken is not None and broken.position == 2


def test_a_row_inserted_into_a_gap_between_positions_is_named() -> None:
    events = [e for e in logged(5) if e.position != 3]  # PostgreSQL leaves gaps where a write rolled back
    kept = chained(events)
    events.insert(2, LoggedEvent(3, STREAM, 99, "x", b"{}"))
    checked, broken = first_break(events, kept)
    assert checked == 2 and broken is not None and broken.position == 3 and "no link" in broken.problem


def test_rows_past_the_chain_are_named_as_unlinked() -> None:
    events = logged(4)
    kept = chained(events[:2])
    checked, broken = first_break(events, kept)
    assert checked == 2 and broken is not None and broken.position == 3 and "no link" in broken.problem


def test_a_chain_rebuilt_consistently_over_altered_events_passes_without_a_checkpoint() -> None:
    """What the chain alone cannot catch, and a signed checkpoint must: a rewrite of events and links together."""
    events = logged(4)
    events[1] = dataclasses.replace(events[1], state=b'{"n": "forged"}')
    assert first_break(events, chained(events)) == (4, None)


def test_a_checkpoints_leaves_are_the_intact_positions_bytes() -> None:
    events = logged(3)
    leaves: list[tuple[int, bytes]] = []
    by_position = dict(chained(events))
    rows = [(e.position, str(e.stream_id), e.version, e.topic, e.state, by_position[e.position]) for e in events]
    assert walk(rows, lambda _: None, lambda position, data: leaves.append((position, data))) == (3, None)
    assert [p for p, _ in leaves] == [1, 2, 3] and leaves[0][1].endswith(b'{"n": 1}')
