"""The log's hash chain: each position's link covers the link before it and the event's stored bytes.

A stored event altered, removed, inserted or moved changes every link from its position on, so
recomputing the chain from the log and comparing it with the links kept beside the log names the
first position that differs. The links are written in the transaction that stores the events.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:  # a read imports this module for its types, and never needs the library's persistence
    from eventsourcing.persistence import StoredEvent

# The link before the first position.
GENESIS = bytes(32)

# The largest position either store can give (a signed 64-bit integer): a walk "to the end" stops here.
LAST_POSITION = 2**63 - 1

# A position of the log as ``verify`` reads it, straight from the store: position, stream id (in
# its hyphenated text), version, topic, state, and the link kept for the position (None if none).
LinkedRow = tuple[int, str, int, str, bytes, bytes | None]

_length = struct.Struct(">Q").pack


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the log holds it, at its position."""

    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes


def fresh_links(previous: bytes, positions: Sequence[int], stored: Sequence[StoredEvent]) -> list[tuple[int, bytes]]:
    """The links of a writer's events at the positions the log gave them, after the link ``previous``,
    made from the writer's own copies without an object per event."""
    made, sha256 = [], hashlib.sha256
    for position, event in zip(positions, stored, strict=True):
        stream_id = event.originator_id  # the library types it UUID | str; casetrail's are UUIDs
        text = str(stream_id) if isinstance(stream_id, UUID) else str(UUID(stream_id))
        previous = sha256(previous + canonical(position, text, event.originator_version, event.topic,
                                               event.state)).digest()
        made.append((position, previous))
    return made


def canonical_bytes(event: LoggedEvent) -> bytes:
    return canonical(event.position, str(event.stream_id), event.version, event.topic, event.state)


def canonical(position: int, stream_id: str, version: int, topic: str, state: bytes) -> bytes:
    """The event's fields, each prefixed by its length: no two events share their bytes."""
    at, stream, number, kind = b"%d" % position, stream_id.encode(), b"%d" % version, topic.encode()
    return b"".join((_length(len(at)), at, _length(len(stream)), stream, _length(len(number)), number,
                     _length(len(kind)), kind, _length(len(state)), state))


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


REMOVED = "the chain has a link here but the log has no event (a removed row)"


def first_break(rows: Iterable[LinkedRow], link_after: Callable[[int], int | None],
                leaf: Callable[[int, bytes], None] | None = None, previous: bytes = GENESIS, last: int = 0,
                to_the_end: bool = True) -> tuple[int, Break | None]:
    """Walk the log with each position's kept link (``rows``, in position order, after position
    ``last`` whose kept link is ``previous``); returns how many positions agreed and the first break,
    if any. ``link_after(p)`` is the first kept link's position after ``p``: asked only where the walk
    breaks, and at its end if the rows run ``to_the_end`` of the log (a part of the log cut before its
    end leaves a link after its last row to the part after it). ``leaf`` is given each intact
    position's canonical bytes (for a checkpoint's Merkle tree)."""
    checked, sha256 = 0, hashlib.sha256
    for position, stream_id, version, topic, state, kept in rows:
        data = canonical(position, stream_id, version, topic, state)
        expected = sha256(previous + data).digest()
        if expected != kept:
            return checked, _break(last, position, kept, link_after)
        if leaf is not None:
            leaf(position, data)
        previous, checked, last = expected, checked + 1, position
    removed = link_after(last) if to_the_end else None
    return checked, None if removed is None else Break(removed, REMOVED)


def _break(last: int, position: int, kept: bytes | None, link_after: Callable[[int], int | None]) -> Break:
    """What broke at ``position``, the first event after ``last`` whose link is not the one expected."""
    removed = link_after(last)
    if removed is not None and removed < position:
        return Break(removed, REMOVED)
    if kept is None and link_after(position) is None:
        return Break(position, "the chain ends before the log: this event and those after it have no link (rows "
                               "added behind casetrail's back, or a log written before the chain, which "
                               "`casetrail replay` links)")
    if kept is None:
        return Break(position, "the log holds an event here that the chain has no link for (an inserted row)")
    return Break(position, "the event's stored bytes differ from those the chain covers (a changed, moved or "
                           "replaced row)")
