"""The event log on PostgreSQL, with casetrail's inbound ledger in the same schema.

As on SQLite, the ledger rows of a batch are written in the transaction that
inserts its events (the library's ``_insert_events`` hook).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.errors import DuplicateObject
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Identifier

from casetrail.adapters.storage import party_keys
from casetrail.adapters.storage.party_keys import PartyKeyTable
from casetrail.services.chain import GENESIS, LAST_POSITION, LinkedRow, LoggedEvent, fresh_links, links
from casetrail.services.limits import MAX_PAGE_BYTES
from casetrail.services.ports import AcceptedInput, Erasure, KeptCheckpoint, Key, LedgerTransaction, RejectedInput

# As the library retries its reads and writes: a pooled connection the server closed after
# the pool's check fails the attempt, and the next one takes a fresh connection.
retry_on_lost_connection = retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
# Events read at a time to chain them (a log written before the chain is chained by its next write).
CHAIN_PAGE = 5_000


def lock_schema(curs: Cursor[Any], schema: str) -> None:
    """Hold, until the transaction ends, the lock every process takes to create tables in ``schema``.

    CREATE ... IF NOT EXISTS is not safe beside itself: two processes creating the same
    table at once both find it missing, and one fails on the catalogue's unique index."""
    curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"casetrail schema {schema}",))


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.inbound_table = SQL("{}.casetrail_inbound").format(schema)
        self.rejects_table = SQL("{}.casetrail_rejects").format(schema)
        self.chain_table = SQL("{}.casetrail_chain").format(schema)
        self.checkpoints_table = SQL("{}.casetrail_checkpoints").format(schema)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "source text NOT NULL, id text NOT NULL, type text NOT NULL, "
                "body_hash text NOT NULL, received_at timestamptz NOT NULL, "
                "PRIMARY KEY (source, id))"
            ).format(self.inbound_table),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "position bigserial PRIMARY KEY, received_at timestamptz NOT NULL, "
                "entrance text NOT NULL, reason text NOT NULL, raw bytea NOT NULL, "
                "raw_hash text NOT NULL, UNIQUE (raw_hash, reason))"
            ).format(self.rejects_table),
            SQL("CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, link bytea NOT NULL)").format(
                self.chain_table),
            SQL("CREATE TABLE IF NOT EXISTS {} (size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL, "
                "verifier_key text NOT NULL, signed_at timestamptz NOT NULL, made_by text NOT NULL)").format(
                self.checkpoints_table),
        ]

        self.events_table = SQL("{}.{}").format(schema, Identifier(self.events_table_name))
        # The library names the channel of its NOTIFY after the table alone: stores in other schemas of
        # the same database would wake each other's listeners.
        self.channel_name = f"{self.datastore.schema}_{self.channel_name}"
        quoted_schema = '"' + self.datastore.schema.replace('"', '""') + '"'
        self.party_keys_table = PartyKeyTable(f"{quoted_schema}.{party_keys.TABLE}",
                                              f"{quoted_schema}.casetrail_rejects", "%s",
                                              "position(%s::bytea in raw) > 0")
        self.sql_create_statements.append(SQL(party_keys.create_statement(  # type: ignore[arg-type]  # text of ours
            f"{quoted_schema}.{party_keys.TABLE}")))

    def create_table(self) -> None:
        # The library's version creates the schema's types and tables but not the schema, each
        # type in a transaction of its own: processes starting together on a fresh schema raced.
        # Here it is all one transaction, one process at a time.
        with self.datastore.transaction(commit=True) as curs:
            lock_schema(curs, self.datastore.schema)
            curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(self.datastore.schema)))
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    # No IF NOT EXISTS for a type: a savepoint keeps the transaction going.
                    with suppress(DuplicateObject), curs.connection.transaction():
                        curs.execute(statement, prepare=False)
            self._create_table(curs)
        self.datastore.register_type_adapters()

    @retry_on_lost_connection
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The library's version catches an error inside its transaction and raises it
        # after the commit, which would keep ledger rows written before the error.
        # Nothing here reads the new positions back, so none are returned.
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._write(curs, stored_events, **kwargs)
            return None

    @contextmanager
    def exclusive(self) -> Iterator[LedgerTransaction]:
        """One transaction that holds the log's write lock from the start: what it reads, no other
        writer changes before it commits."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            yield _Locked(self, curs)

    def _write(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # The log's lock first, as every writer takes it, whatever it writes (a batch of rejects
        # too): a writer never holds ledger keys another one waits for while itself waiting for
        # the lock (a deadlock).
        self._lock_table(curs)
        self._insert_events(curs, stored_events, **kwargs)
        if stored_events:
            self._insert_stored_events(curs, stored_events, **kwargs)

    @retry_on_lost_connection
    def chain_up(self) -> None:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._chain_up(curs)

    def _chain_up(self, curs: Cursor[DictRow], fresh: Sequence[StoredEvent] = ()) -> None:
        """Link every event past the chain's last link, under the log's lock; ``fresh`` are the
        events the writer has just inserted, linked from its own copies when they are all that is
        unlinked."""
        curs.execute(SQL("SELECT position, link FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table))
        head = curs.fetchone()
        position, previous = (head["position"], bytes(head["link"])) if head else (0, GENESIS)
        if fresh:
            curs.execute(SQL("SELECT notification_id FROM {} WHERE notification_id > %s "
                             "ORDER BY notification_id").format(self.events_table), (position,))
            positions = [row["notification_id"] for row in curs.fetchall()]
            if len(positions) == len(fresh):
                copy_rows(curs, self.chain_table, ("position", "link"), ("int8", "bytea"),
                          fresh_links(previous, positions, fresh))
                return
        while events := self._logged_events(curs, position, CHAIN_PAGE):
            made = list(links(previous, events))
            copy_rows(curs, self.chain_table, ("position", "link"), ("int8", "bytea"), made)
            position, previous = made[-1]

    @retry_on_lost_connection
    def logged_events(self, after: int, limit: int) -> list[LoggedEvent]:
        with self.datastore.transaction(commit=False) as curs:
            return self._logged_events(curs, after, limit)

    def _logged_events(self, curs: Cursor[DictRow], after: int, limit: int) -> list[LoggedEvent]:
        # A page ends where its states pass MAX_PAGE_BYTES (but holds at least one), as in select_states.
        # Tuples, on a cursor of the same transaction: a dictionary per row cost verify 1 to 2 µs per event.
        with curs.connection.cursor(row_factory=tuple_row) as rows:
            rows.execute(SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM ("
                             "SELECT notification_id, originator_id, originator_version, topic, state, "
                             "sum(octet_length(state)) OVER (ORDER BY notification_id) - octet_length(state) "
                             "AS before FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s) page "
                             "WHERE before < %s").format(self.events_table), (after, limit, MAX_PAGE_BYTES))
            return [LoggedEvent(*row) for row in rows.fetchall()]

    def linked_rows(self, after: int, upto: int | None = None) -> Generator[LinkedRow, None, None]:
        # A page at a time (cut by bytes as in select_states, so memory stays bounded), each event
        # joined with its link, as tuples with the stream id already text: nothing is made of a row.
        while True:
            page = self._linked_page(after, LAST_POSITION if upto is None else upto)
            yield from page
            if not page:
                return
            after = page[-1][0]

    @retry_on_lost_connection
    def _linked_page(self, after: int, upto: int) -> list[LinkedRow]:
        with self.datastore.transaction(commit=False) as curs, curs.connection.cursor(row_factory=tuple_row) as rows:
            rows.execute(SQL("SELECT p.notification_id, p.originator_id::text, p.originator_version, p.topic, "
                             "p.state, k.link FROM (SELECT notification_id, originator_id, originator_version, topic, "
                             "state, sum(octet_length(state)) OVER (ORDER BY notification_id) - octet_length(state) "
                             "AS before FROM {} WHERE notification_id > %s AND notification_id <= %s "
                             "ORDER BY notification_id LIMIT %s) p "
                             "LEFT JOIN {} k ON k.position = p.notification_id WHERE p.before < %s "
                             "ORDER BY p.notification_id").format(self.events_table, self.chain_table),
                         (after, upto, CHAIN_PAGE, MAX_PAGE_BYTES))
            return rows.fetchall()

    @retry_on_lost_connection
    def events_up_to(self, position: int) -> tuple[int, int, bytes | None]:
        with self.datastore.transaction(commit=False) as curs, curs.connection.cursor(row_factory=tuple_row) as rows:
            rows.execute(SQL("SELECT n, last, (SELECT link FROM {} WHERE position = last) FROM "
                             "(SELECT count(*) AS n, coalesce(max(notification_id), 0) AS last FROM {} "
                             "WHERE notification_id <= %s) c").format(self.chain_table, self.events_table),
                         (position,))
            found = rows.fetchone()
            assert found is not None  # an aggregate always has its row
            count, last, kept = found
            return int(count), int(last), kept

    @retry_on_lost_connection
    def link_after(self, position: int) -> int | None:
        with self.datastore.transaction(commit=False) as curs, curs.connection.cursor(row_factory=tuple_row) as rows:
            rows.execute(SQL("SELECT min(position) FROM {} WHERE position > %s").format(self.chain_table), (position,))
            found = rows.fetchone()
            return None if found is None else found[0]

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        accepted: list[AcceptedInput] = kwargs.get("accepted") or []
        rejects: list[RejectedInput] = kwargs.get("rejects") or []
        if accepted:
            columns = ("source", "id", "type", "body_hash", "received_at")
            copy_rows(curs, self.inbound_table, columns, ("text", "text", "text", "text", "timestamptz"),
                      ((a.source, a.id, a.type, a.body_hash, a.received_at) for a in accepted))
        if rejects:
            # The same bad input received again is kept once.
            curs.executemany(
                SQL("INSERT INTO {} (received_at, entrance, reason, raw, raw_hash) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING").format(self.rejects_table),
                [(r.received_at, r.entrance, r.reason, r.raw, hashlib.sha256(r.raw).hexdigest()) for r in rejects],
            )

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        # Under the library's lock (taken in ``_write``): positions become visible in the order
        # they were assigned.
        self._notify_channel(curs)
        copy_rows(curs, self.events_table, ("originator_id", "originator_version", "topic", "state"),
                  ("uuid", "int8", "text", "bytea"),
                  ((e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events))
        self._chain_up(curs, stored_events)

    @retry_on_lost_connection
    def keep_checkpoint(self, checkpoint: KeptCheckpoint) -> KeptCheckpoint:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (size) DO NOTHING").format(
                self.checkpoints_table), (checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.verifier_key,
                                          checkpoint.signed_at, checkpoint.made_by))
            curs.execute(SQL("SELECT * FROM {} WHERE size = %s").format(self.checkpoints_table), (checkpoint.size,))
            return _kept_checkpoint(curs.fetchone())

    @retry_on_lost_connection
    def latest_checkpoint(self) -> KeptCheckpoint | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT * FROM {} ORDER BY size DESC LIMIT 1").format(self.checkpoints_table))
            row = curs.fetchone()
            return None if row is None else _kept_checkpoint(row)

    @retry_on_lost_connection
    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]:
        if not keys:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            return self._stored_hashes(curs, keys)

    def _stored_hashes(self, curs: Cursor[DictRow], keys: Sequence[Key]) -> dict[Key, str]:
        # One index probe per key, whatever the planner's statistics say about the table.
        curs.execute(
            SQL("SELECT k.source, k.id, (SELECT t.body_hash FROM {} t WHERE t.source = k.source AND t.id = k.id) "
                "AS body_hash FROM unnest(%b::text[], %b::text[]) AS k(source, id)").format(self.inbound_table),
            ([k[0] for k in keys], [k[1] for k in keys]),
        )
        return {(row["source"], row["id"]): row["body_hash"] for row in curs.fetchall() if row["body_hash"]}

    @retry_on_lost_connection
    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        if not ids:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            return self._stream_heads(curs, ids)

    def _stream_heads(self, curs: Cursor[DictRow], ids: Sequence[UUID]) -> dict[UUID, int]:
        # One backward index probe per stream, whatever the planner's statistics say.
        curs.execute(
            SQL("SELECT k.id, (SELECT e.originator_version FROM {}.{} e WHERE e.originator_id = k.id "
                "ORDER BY e.originator_version DESC LIMIT 1) AS head FROM unnest(%b::uuid[]) AS k(id)").format(
                Identifier(self.datastore.schema), Identifier(self.events_table_name)),
            (list(ids),),
        )
        return {row["id"]: row["head"] for row in curs.fetchall() if row["head"] is not None}

    @retry_on_lost_connection
    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        streams: dict[UUID, list[StoredEvent]] = {}
        if not ids:
            return streams
        with self.datastore.transaction(commit=False) as curs:
            # A point lookup by primary key; without statistics on a young table
            # the planner would scan it whole.
            curs.execute("SET LOCAL enable_seqscan = off")
            curs.execute(
                SQL("SELECT originator_id, originator_version, topic, state FROM {}.{} "
                    "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version").format(
                    Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (list(ids),),
            )
            for row in curs.fetchall():
                streams.setdefault(row["originator_id"], []).append(
                    StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])))
        return streams

    @retry_on_lost_connection
    def select_states(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes]]:
        return [(at, topic, bytes(state)) for at, topic, state in self._page("topic, state", after, stop, limit)]

    @retry_on_lost_connection
    def select_log_events(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes, UUID, int]]:
        return [(at, topic, bytes(state), stream, version) for at, topic, state, stream, version
                in self._page("topic, state, originator_id, originator_version", after, stop, limit)]

    def _page(self, columns: str, after: int, stop: int, limit: int) -> list[tuple[Any, ...]]:
        """``columns`` of the events after ``after`` up to ``stop``, at most ``limit``, as tuples.

        A page ends where its states pass MAX_PAGE_BYTES (but holds at least one):
        memory follows bytes, however large the events.
        """
        with self.datastore.transaction(commit=False) as curs, curs.connection.cursor(row_factory=tuple_row) as rows:
            rows.execute(SQL("SELECT notification_id, {columns} FROM (SELECT notification_id, {columns}, "
                             "sum(octet_length(state)) OVER (ORDER BY notification_id) - octet_length(state) AS before "
                             "FROM {table} WHERE notification_id > %s AND notification_id <= %s "
                             "ORDER BY notification_id LIMIT %s) page WHERE before < %s").format(
                                 columns=SQL(columns), table=self.events_table),
                         (after, stop, limit, MAX_PAGE_BYTES))
            return rows.fetchall()

    @retry_on_lost_connection
    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]:
        if not parties:
            return {}
        with self.datastore.transaction(commit=create) as curs:
            return self.party_keys_table.keys(curs, parties, create)

    @retry_on_lost_connection
    def erase_party(self, erasure: Erasure) -> int:
        with self.datastore.transaction(commit=True) as curs:
            return self.party_keys_table.erase(curs, erasure)

    @retry_on_lost_connection
    def rejected_inputs(self) -> list[RejectedInput]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT received_at, entrance, reason, raw FROM {} ORDER BY position").format(
                self.rejects_table))
            return [RejectedInput(r["received_at"], r["entrance"], r["reason"], bytes(r["raw"]))
                    for r in curs.fetchall()]

    @retry_on_lost_connection
    def accepted_counts(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT type, count(*) AS n FROM {} GROUP BY type ORDER BY type").format(
                self.inbound_table))
            return {row["type"]: row["n"] for row in curs.fetchall()}


def copy_rows(curs: Cursor[DictRow], table: Composable, columns: Sequence[str], types: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> None:
    """Binary COPY: the cheapest way in for a batch, several times the rate of the library's
    text-encoded array of composite values. A duplicate key still fails the transaction."""
    statement = SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, SQL(", ").join(map(Identifier, columns)))
    with curs.copy(statement) as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def _kept_checkpoint(row: DictRow | None) -> KeptCheckpoint:
    assert row is not None  # asked for by the size just kept
    return KeptCheckpoint(row["size"], bytes(row["root"]), row["note"], row["verifier_key"], row["signed_at"],
                          row["made_by"])


class _Locked:
    """The ledger inside ``PostgresLedgerRecorder.exclusive``'s transaction."""

    def __init__(self, recorder: PostgresLedgerRecorder, curs: Cursor[DictRow]) -> None:
        self._recorder = recorder
        self._curs = curs

    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]:
        return self._recorder._stored_hashes(self._curs, keys) if keys else {}

    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        return self._recorder._stream_heads(self._curs, ids) if ids else {}

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self._recorder._insert_events(self._curs, stored_events, **kwargs)
        if stored_events:
            self._recorder._insert_stored_events(self._curs, stored_events, **kwargs)

    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]:
        return self._recorder.party_keys_table.keys(self._curs, parties, create) if parties else {}
