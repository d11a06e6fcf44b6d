"""The last version of each stream an ingestion process has read or written.

Facts from outside are appended knowing only their stream's head
(``Aggregate.next_fact``). Busy subjects (a resource night, a long contact)
come back batch after batch, so heads are remembered and only streams not
seen yet are looked up. A head that another writer moved on makes the insert
collide on the stream's version; the batch is then retried after ``forget``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from uuid import UUID

# About 150 bytes a stream (the id, its head, the dict's slot): a bound of some 7.5 MB. Past it
# every head is forgotten and looked up again with its batch: a long stream holds no more than
# a 100,000-event file names (about 47,000 streams) for the price of one query a batch.
DEFAULT_LIMIT = 50_000


class StreamHeads:
    def __init__(self, look_up: Callable[[Sequence[UUID]], dict[UUID, int]], limit: int = DEFAULT_LIMIT) -> None:
        self._look_up = look_up
        self._limit = limit
        self._known: dict[UUID, int] = {}

    def of(self, ids: Iterable[UUID], ahead: dict[UUID, int] | None = None) -> dict[UUID, int]:
        """The head of each of ``ids`` (0 for a stream with no events yet), as a dict the caller may advance.

        ``ahead`` holds the heads of a batch being written now, which count as reached.
        """
        ahead = ahead or {}
        wanted = set(ids)
        missing = sorted(wanted.difference(self._known, ahead))
        if missing:
            found = self._look_up(missing)
            self._known.update((stream, found.get(stream, 0)) for stream in missing)
        return {stream: ahead[stream] if stream in ahead else self._known[stream] for stream in wanted}

    def advance(self, heads: dict[UUID, int]) -> None:
        """Remember heads a committed batch reached."""
        if len(self._known) + len(heads) > self._limit:
            self._known.clear()
        self._known.update(heads)

    def forget(self) -> None:
        """Another writer may have moved any stream on: look every head up again."""
        self._known.clear()
