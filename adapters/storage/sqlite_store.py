"""The event log on SQLite, with casetrail's inbound ledger in the same file.

The ledger rows of a batch are written inside the transaction that inserts
its events (the library's ``_insert_events`` hook), so both land or neither.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore, SQLiteTransaction

from casetrail.adapters.storage import party_keys
from casetrail.adapters.storage.party_keys import PartyKeyTable
from casetrail.services.chain import GENESIS, LAST_POSITION, LinkedRow, LoggedEvent, fresh_links, links
from casetrail.services.limits import MAX_PAGE_BYTES
from casetrail.services.ports import AcceptedInput, Erasure, KeptCheckpoint, Key, LedgerTransaction, RejectedInput

LOOKUP_CHUNK = 400
# Events read at a time to chain them (a log written before the chain is chained by its next write).
CHAIN_PAGE = 5_000
# A stream id as ``str(UUID)`` writes it, from the 32 hex digits the log keeps (a library's hyphenated
# copy as it is).
_STREAM_ID_TEXT = ("lower(CASE WHEN length(e.originator_id) = 32 THEN substr(e.originator_id, 1, 8) || '-' || "
                   "substr(e.originator_id, 9, 4) || '-' || substr(e.originator_id, 13, 4) || '-' || "
                   "substr(e.originator_id, 17, 4) || '-' || substr(e.originator_id, 21) ELSE e.originator_id END)")


class _Immediate(SQLiteTransaction):
    """A transaction that takes the database's write lock as it begins (waiting for it up to the
    lock timeout), so nothing it reads changes before it commits."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        return cursor


def use_wal(path: str, timeout: float) -> None:
    """Switch the database file to WAL, as the library's first connection would.

    Two processes opening a new file at once both switch it; SQLite fails one of them at once
    with "database is locked", without waiting the lock timeout. Here it waits.
    """
    deadline = time.monotonic() + timeout
    conn = sqlite3.connect(path, uri=True, timeout=timeout, isolation_level=None)
    try:
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
    finally:
        conn.close()


# instr() finds bytes in bytes when both are BLOBs.
PARTY_KEYS = PartyKeyTable(party_keys.TABLE, "casetrail_rejects", "?", "instr(raw, ?) > 0")


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        pool = datastore.pool
        if not pool.is_sqlite_memory_mode:
            use_wal(pool.db_name, pool.lock_timeout or 5)

    @contextmanager
    def _immediate(self) -> Iterator[SQLiteCursor]:
        with self.datastore.get_connection(commit=True) as conn, _Immediate(conn, commit=True) as curs, curs:
            yield curs

    def create_table(self) -> None:
        # A plain BEGIN reads the schema, then fails at once with "database is locked" if another
        # process created a table meanwhile; an immediate one waits its turn.
        with self._immediate() as c:
            self._create_table(c)

    @contextmanager
    def exclusive(self) -> Iterator[LedgerTransaction]:
        with self._immediate() as c:
            yield _Locked(self, c)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS casetrail_inbound ("
            "source TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, "
            "body_hash TEXT NOT NULL, received_at TEXT NOT NULL, "
            "PRIMARY KEY (source, id)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS casetrail_rejects ("
            "position INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT NOT NULL, "
            "entrance TEXT NOT NULL, reason TEXT NOT NULL, raw BLOB NOT NULL, "
            "raw_hash TEXT NOT NULL, UNIQUE (raw_hash, reason))",
            "CREATE TABLE IF NOT EXISTS casetrail_chain (position INTEGER PRIMARY KEY, link BLOB NOT NULL)",
            party_keys.create_statement(party_keys.TABLE),
            "CREATE TABLE IF NOT EXISTS casetrail_checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, "
            "note TEXT NOT NULL, verifier_key TEXT NOT NULL, signed_at TEXT NOT NULL, made_by TEXT NOT NULL)",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        # One statement for the batch. The library runs one per event to read back each new
        # position, which nothing here needs (the PostgreSQL recorder returns none either).
        # The library types stream ids UUID | str; casetrail's applications are Application[UUID].
        c.executemany(self.insert_events_statement,
                      [(cast(UUID, s.originator_id).hex, s.originator_version, s.topic, s.state)
                       for s in stored_events])
        accepted: list[AcceptedInput] = kwargs.get("accepted") or []
        rejects: list[RejectedInput] = kwargs.get("rejects") or []
        if accepted:
            c.executemany(
                "INSERT INTO casetrail_inbound VALUES (?, ?, ?, ?, ?)",
                [(a.source, a.id, a.type, a.body_hash, a.received_at.isoformat()) for a in accepted],
            )
        if rejects:
            # The same bad input received again is kept once.
            c.executemany(
                "INSERT OR IGNORE INTO casetrail_rejects (received_at, entrance, reason, raw, raw_hash) "
                "VALUES (?, ?, ?, ?, ?)",
                [(r.received_at.isoformat(), r.entrance, r.reason, r.raw, hashlib.sha256(r.raw).hexdigest())
                 for r in rejects],
            )
        if stored_events:
            self._chain_up(c, stored_events)
        return None

    def chain_up(self) -> None:
        with self._immediate() as c:
            self._chain_up(c)

    def _chain_up(self, c: SQLiteCursor, fresh: Sequence[StoredEvent] = ()) -> None:
        """Link every event past the chain's last link, inside the writer's transaction; ``fresh``
        are the events the writer has just inserted, linked from its own copies when they are all
        that is unlinked."""
        c.execute("SELECT position, link FROM casetrail_chain ORDER BY position DESC LIMIT 1")
        head = c.fetchone()
        position, previous = (head[0], bytes(head[1])) if head else (0, GENESIS)
        if fresh:
            c.execute(f"SELECT rowid FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid", [position])
            positions = [row[0] for row in c.fetchall()]
            if len(positions) == len(fresh):
                c.executemany("INSERT INTO casetrail_chain VALUES (?, ?)", fresh_links(previous, positions, fresh))
                return
        while events := self._logged_events(c, position, CHAIN_PAGE):
            made = list(links(previous, events))
            c.executemany("INSERT INTO casetrail_chain VALUES (?, ?)", made)
            position, previous = made[-1]

    def logged_events(self, after: int, limit: int) -> list[LoggedEvent]:
        with self.datastore.transaction(commit=False) as c:
            return self._logged_events(c, after, limit)

    def _logged_events(self, c: SQLiteCursor, after: int, limit: int) -> list[LoggedEvent]:
        # A page ends where its states pass MAX_PAGE_BYTES (but holds at least one), as in select_states.
        c.execute("SELECT rowid, originator_id, originator_version, topic, state FROM (SELECT rowid, originator_id, "
                  "originator_version, topic, state, sum(length(state)) OVER (ORDER BY rowid) - length(state) AS "
                  f"before FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?) WHERE before < ?",
                  [after, limit, MAX_PAGE_BYTES])
        return [LoggedEvent(row[0], UUID(row[1]), row[2], row[3], bytes(row[4])) for row in c.fetchall()]

    def linked_rows(self, after: int, upto: int | None = None) -> Generator[LinkedRow, None, None]:
        # One statement, its rows taken as SQLite steps to them: memory stays a row however long the
        # log, the walk sees one snapshot of it, and nothing is made of a row but the tuple.
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT e.rowid, {_STREAM_ID_TEXT}, e.originator_version, e.topic, e.state, k.link "
                      f"FROM {self.events_table_name} e LEFT JOIN casetrail_chain k ON k.position = e.rowid "
                      "WHERE e.rowid > ? AND e.rowid <= ? ORDER BY e.rowid", [after, LAST_POSITION if upto is None else upto])
            with c as rows:
                yield from rows

    def events_up_to(self, position: int) -> tuple[int, int, bytes | None]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT n, last, (SELECT link FROM casetrail_chain WHERE position = last) FROM "
                      f"(SELECT count(*) AS n, coalesce(max(rowid), 0) AS last FROM {self.events_table_name} "
                      "WHERE rowid <= ?)", [position])
            count, last, kept = c.fetchone()
            return int(count), int(last), kept

    def link_after(self, position: int) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT min(position) FROM casetrail_chain WHERE position > ?", [position])
            return cast(int | None, c.fetchone()[0])

    def keep_checkpoint(self, checkpoint: KeptCheckpoint) -> KeptCheckpoint:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT INTO casetrail_checkpoints VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
                      [checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.verifier_key,
                       checkpoint.signed_at.isoformat(), checkpoint.made_by])
            c.execute(f"{_KEPT_CHECKPOINT} WHERE size = ?", [checkpoint.size])
            return _kept_checkpoint(c.fetchone())

    def latest_checkpoint(self) -> KeptCheckpoint | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"{_KEPT_CHECKPOINT} ORDER BY size DESC LIMIT 1")
            row = c.fetchone()
            return None if row is None else _kept_checkpoint(row)

    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]:
        with self.datastore.transaction(commit=False) as c:
            return self._stored_hashes(c, keys)

    def _stored_hashes(self, c: SQLiteCursor, keys: Sequence[Key]) -> dict[Key, str]:
        found: dict[Key, str] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            placeholders = ",".join("(?, ?)" for _ in chunk)
            # A join, not "(source, id) IN (VALUES ...)", which SQLite answers by scanning the table.
            c.execute(
                f"SELECT i.source, i.id, i.body_hash FROM (VALUES {placeholders}) AS k "
                "JOIN casetrail_inbound i ON i.source = k.column1 AND i.id = k.column2",
                [part for key in chunk for part in key],
            )
            found.update({(row[0], row[1]): row[2] for row in c.fetchall()})
        return found

    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        with self.datastore.transaction(commit=False) as c:
            return self._stream_heads(c, ids)

    def _stream_heads(self, c: SQLiteCursor, ids: Sequence[UUID]) -> dict[UUID, int]:
        rows = self._rows_by_stream(c, "originator_id, max(originator_version)", ids, "GROUP BY originator_id")
        return {UUID(row[0]): row[1] for row in rows}

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        streams: dict[UUID, list[StoredEvent]] = {}
        rows = self._by_stream("originator_id, originator_version, topic, state", ids,
                               "ORDER BY originator_id, originator_version")
        for row in rows:
            stream_id = UUID(row[0])
            streams.setdefault(stream_id, []).append(StoredEvent(stream_id, row[1], row[2], row[3]))
        return streams

    def select_states(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes]]:
        return [(at, topic, state) for at, topic, state in self._page("topic, state", after, stop, limit)]

    def select_log_events(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes, UUID, int]]:
        return [(at, topic, state, UUID(stream), version) for at, topic, state, stream, version
                in self._page("topic, state, originator_id, originator_version", after, stop, limit)]

    def _page(self, columns: str, after: int, stop: int, limit: int) -> list[Any]:
        """``columns`` of the events after ``after`` up to ``stop``, at most ``limit``, as rows to unpack.

        The library's select_notifications builds an object and a UUID an event: most of its cost.
        A page ends where its states pass MAX_PAGE_BYTES (but holds at least one):
        memory follows bytes, however large the events.
        """
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid, {columns} FROM (SELECT rowid, {columns}, "
                      f"sum(length(state)) OVER (ORDER BY rowid) - length(state) AS before "
                      f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?) "
                      "WHERE before < ?", [after, stop, limit, MAX_PAGE_BYTES])
            rows: list[Any] = c.fetchall()  # the callers unpack each row once: no copy here
            return rows

    def _by_stream(self, columns: str, ids: Sequence[UUID], tail: str) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            return self._rows_by_stream(c, columns, ids, tail)

    def _rows_by_stream(self, c: SQLiteCursor, columns: str, ids: Sequence[UUID], tail: str) -> list[Any]:
        """``SELECT columns`` of the events of ``ids``, asked ``LOOKUP_CHUNK`` streams at a time."""
        rows: list[Any] = []
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = [i.hex for i in ids[start : start + LOOKUP_CHUNK]]
            c.execute(f"SELECT {columns} FROM {self.events_table_name} "
                      f"WHERE originator_id IN ({', '.join('?' * len(chunk))}) {tail}", chunk)
            rows += c.fetchall()
        return rows

    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]:
        if not parties:
            return {}
        if not create:
            with self.datastore.transaction(commit=False) as c:
                return PARTY_KEYS.keys(c, parties, create=False)
        with self._immediate() as c:
            return PARTY_KEYS.keys(c, parties, create=True)

    def erase_party(self, erasure: Erasure) -> int:
        with self._immediate() as c:
            return PARTY_KEYS.erase(c, erasure)

    def rejected_inputs(self) -> list[RejectedInput]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT received_at, entrance, reason, raw FROM casetrail_rejects ORDER BY position")
            return [RejectedInput(datetime.fromisoformat(r[0]), r[1], r[2], bytes(r[3])) for r in c.fetchall()]

    def accepted_counts(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT type, count(*) FROM casetrail_inbound GROUP BY type ORDER BY type")
            return {row[0]: row[1] for row in c.fetchall()}


_KEPT_CHECKPOINT = "SELECT size, root, note, verifier_key, signed_at, made_by FROM casetrail_checkpoints"


def _kept_checkpoint(row: Any) -> KeptCheckpoint:
    return KeptCheckpoint(row[0], bytes(row[1]), row[2], row[3], datetime.fromisoformat(row[4]), row[5])


class _Locked:
    """The ledger inside ``SQLiteLedgerRecorder.exclusive``'s transaction."""

    def __init__(self, recorder: SQLiteLedgerRecorder, c: SQLiteCursor) -> None:
        self._recorder = recorder
        self._c = c

    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]:
        return self._recorder._stored_hashes(self._c, keys)

    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        return self._recorder._stream_heads(self._c, ids)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self._recorder._insert_events(self._c, stored_events, **kwargs)

    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]:
        return PARTY_KEYS.keys(self._c, parties, create) if parties else {}
