"""Keeps a read model current: follows the log from the view's own tracked
position and writes each batch's rows and the new position in one
transaction, so every event is applied exactly once across crashes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, cast

import orjson
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.utils import resolve_topic

from casetrail.projections.recorded import Recorded
from casetrail.projections.view import View
from casetrail.services.event_mapper import upcast
from casetrail.services.personal_data import SEALED_IN_JSON, reveal
from casetrail.services.ports import InboundLedger, ViewStore

TRACKING_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS casetrail_tracking ("
    "view TEXT PRIMARY KEY, position BIGINT NOT NULL, version INTEGER NOT NULL)"
)
DEFAULT_BATCH_SIZE = 2000
# The query planner needs statistics to prefer the right index once tables grow: a view's
# tables are analyzed after its first ANALYZE_AFTER events, then each time they have doubled.
ANALYZE_AFTER = 10_000
LAST_POSITION = 2**63 - 1

Progress = Callable[[int], None]


class ViewRunner:
    def __init__(self, recorder: ApplicationRecorder, store: ViewStore, view: View,
                 batch_size: int = DEFAULT_BATCH_SIZE, behind: ViewRunner | None = None) -> None:
        self.recorder = recorder
        self.store = store
        self.view = view
        self.batch_size = batch_size
        # A view that reads another view's tables goes no further in the log than that view has.
        self.behind = behind
        self._applied = 0  # by this runner, since it started
        self._analyzed_at = 0
        self._set_up()

    def _set_up(self) -> None:
        with self.store.schema_transaction() as cursor:
            cursor.execute(TRACKING_SCHEMA)
            cursor.execute("SELECT version FROM casetrail_tracking WHERE view = ?", (self.view.name,))
            found = cursor.fetchall()
            if found and found[0][0] != self.view.version:
                # Another version of the view: its tables may have another shape.
                for table in self.view.tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute("DELETE FROM casetrail_tracking WHERE view = ?", (self.view.name,))
                found = []
            for statement in [*self.view.schema, *self.view.indexes.values()]:
                cursor.execute(statement)
            if not found:
                cursor.execute("INSERT INTO casetrail_tracking VALUES (?, 0, ?)", (self.view.name, self.view.version))

    def position(self) -> int:
        rows = self.store.query("SELECT position FROM casetrail_tracking WHERE view = ?", (self.view.name,))
        return int(rows[0][0])

    def catch_up(self, progress: Progress | None = None, until: int | None = None) -> int:
        """Apply everything recorded so far, or up to position ``until``; returns how many stored events were applied."""
        applied = 0
        position = self.position()
        if self.behind is not None:
            until = min(until, self.behind.position()) if until is not None else self.behind.position()
        while until is None or position < until:
            batch = self._read(position, until)
            if not batch:
                break
            position = self._apply(position, batch)
            applied += len(batch)
            if progress is not None:
                progress(len(batch))
        self._applied += applied
        if self._applied - self._analyzed_at >= max(ANALYZE_AFTER, self._analyzed_at):
            # Counted across calls: a follower keeping up applies a few events at a time.
            self.store.analyze(self.view.tables)
            self._analyzed_at = self._applied
        return applied

    def _read(self, after: int, until: int | None) -> list[Recorded]:
        ledger, stop = cast(InboundLedger, self.recorder), LAST_POSITION if until is None else until
        if self.view.streams:
            events = ledger.select_log_events(after, stop, self.batch_size)
            return self._revealed([(state, Recorded(at, decode_state(topic, state), stream, version))
                                   for at, topic, state, stream, version in events])
        states = ledger.select_states(after, stop, self.batch_size)
        return self._revealed([(state, Recorded(at, decode_state(topic, state))) for at, topic, state in states])

    def _revealed(self, read: list[tuple[bytes, Recorded]]) -> list[Recorded]:
        """The events read, their sealed personal fields opened with their parties' keys as they are now."""
        sealed = [recorded.state for stored, recorded in read if SEALED_IN_JSON in stored]
        if sealed:
            reveal(sealed, cast(InboundLedger, self.recorder).party_keys)
        return [recorded for _, recorded in read]

    def rebuild(self, progress: Progress | None = None) -> int:
        with self.store.transaction() as cursor:
            self._clear(cursor)
            for name in self.view.indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            return self.catch_up(progress)
        finally:
            with self.store.transaction() as cursor:
                for statement in self.view.indexes.values():
                    cursor.execute(statement)
            self.store.analyze(self.view.tables)

    def _apply(self, position: int, batch: list[Recorded]) -> int:
        new_position = batch[-1].position
        try:
            with self.store.transaction() as cursor:
                # Claim the batch first: a second runner on the same view waits
                # here, then finds the position moved and applies nothing.
                cursor.execute("UPDATE casetrail_tracking SET position = ? WHERE view = ? AND position = ?",
                               (new_position, self.view.name, position))
                if cursor.rowcount != 1:
                    raise _PositionMoved
                self.view.write(cursor, batch)
        except _PositionMoved:
            return self.position()
        return new_position

    def _clear(self, cursor: Any) -> None:
        for table in self.view.tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE casetrail_tracking SET position = 0, version = ? WHERE view = ?",
                       (self.view.version, self.view.name))


class _PositionMoved(Exception):
    pass


def decode(notification: Notification | StoredEvent) -> dict[str, Any]:
    """The stored state as the event's current version would have it."""
    return decode_state(notification.topic, notification.state)


def decode_state(topic: str, stored: bytes) -> dict[str, Any]:
    state: dict[str, Any] = orjson.loads(stored)
    if state.get("class_version", 1) < _current_version(topic):
        upcast(resolve_topic(topic), state)
    return state


@cache
def _current_version(topic: str) -> int:
    # Reading a class attribute of a pydantic model is slow; a rebuild asks once per event.
    return int(getattr(resolve_topic(topic), "class_version", 1))
