"""The log's hash chain: each position's link covers the link before it and the event's stored bytes.

A stored event altered, removed, inserted or moved changes every link from its position on, so
recomputing the chain from the log and comparing it with the links kept beside the log names the
first position that differs. The links are written in the transaction that stores the events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:  # a read imports this module for its types, and never needs the library's persistence
    from eventsourcing.persistence import StoredEvent

# The link before the first position.
GENESIS = bytes(32)


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the log holds it, at its position."""

    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes


def as_logged(positions: Sequence[int], stored: Sequence[StoredEvent]) -> list[LoggedEvent]:
    """A writer's events at the positions the log gave them, from the writer's own copies."""
    # The library types stream ids UUID | str; casetrail's are UUIDs already, and parsing one again
    # cost as much as hashing the event.
    return [LoggedEvent(position, _as_uuid(event.originator_id), event.originator_version, event.topic, event.state)
            for position, event in zip(positions, stored, strict=True)]


def _as_uuid(stream_id: UUID | str) -> UUID:
    return stream_id if isinstance(stream_id, UUID) else UUID(stream_id)


def canonical_bytes(event: LoggedEvent) -> bytes:
    """The event's fields, each prefixed by its length: no two events share their bytes."""
    fields = (str(event.position).encode(), str(event.stream_id).encode(), str(event.version).encode(),
              event.topic.encode(), event.state)
    return b"".join(len(field).to_bytes(8, "big") + field for field in fields)


def link(previous: bytes, event: LoggedEvent) -> bytes:
    return hashlib.sha256(previous + canonical_bytes(event)).digest()


def links(previous: bytes, events: Iterable[LoggedEvent]) -> Iterator[tuple[int, bytes]]:
    """The links of ``events`` (in the order of their positions) after the link ``previous``."""
    for event in events:
        previous = link(previous, event)
        yield event.position, previous


@dataclass(frozen=True)
class Break:
    """The first position where the log and its chain disagree, and how."""

    position: int
    problem: str


def first_break(log: Iterable[LoggedEvent], chain: Iterable[tuple[int, bytes]]) -> tuple[int, Break | None]:
    """Walk the log and the kept links side by side, both in the order of their positions;
    returns how many positions agreed and the first break, if any."""
    previous, checked = GENESIS, 0
    logged, kept = iter(log), iter(chain)
    event, stored = next(logged, None), next(kept, None)
    while event is not None or stored is not None:
        if stored is None:
            assert event is not None
            return checked, Break(event.position, "the chain ends before the log: this event and those after it "
                                                  "have no link (rows added behind casetrail's back, or a log "
                                                  "written before the chain, which `casetrail replay` links)")
        if event is None or stored[0] < event.position:
            return checked, Break(stored[0], "the chain has a link here but the log has no event (a removed row)")
        if event.position < stored[0]:
            return checked, Break(event.position, "the log holds an event here that the chain has no link for "
                                                  "(an inserted row)")
        expected = link(previous, event)
        if expected != stored[1]:
            return checked, Break(event.position, "the event's stored bytes differ from those the chain covers "
                                                  "(a changed, moved or replaced row)")
        previous, checked = expected, checked + 1
        event, stored = next(logged, None), next(kept, None)
    return checked, None
