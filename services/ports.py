"""What the services need from storage beyond the event log itself.

The inbound ledger remembers every accepted ``(source, id)`` with the hash of
its body, and every rejected input byte for byte with its reason. It is
written in the same transaction as the events of a batch, so a crash never
stores an event without its key or a key without its event.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:  # a read imports these ports, and needs nothing of the library
    from eventsourcing.persistence import StoredEvent

    from casetrail.services.verification import Part, Walked

from casetrail.services.chain import LinkedRow, LoggedEvent

Key = tuple[str, str]


@dataclass(frozen=True)
class AcceptedInput:
    source: str
    id: str
    type: str
    body_hash: str
    received_at: datetime


@dataclass(frozen=True)
class RejectedInput:
    received_at: datetime
    entrance: str
    reason: str
    raw: bytes


@dataclass(frozen=True)
class Erasure:
    """Who erased a party's personal data, when and why."""

    party: str
    by: str
    reason: str
    at: datetime


class LedgerTransaction(Protocol):
    """The ledger inside one transaction that holds the log's write lock (``InboundLedger.exclusive``)."""

    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]: ...

    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]: ...

    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]: ...

    def insert_events(self, stored_events: Sequence[StoredEvent], *, accepted: list[AcceptedInput],
                      rejects: list[RejectedInput]) -> None: ...


class InboundLedger(Protocol):
    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each of ``ids`` that has any, in version order: one query for a batch."""

    def stream_heads(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The last version of each of ``ids`` that has events: one query for a batch."""

    def stored_hashes(self, keys: Sequence[Key]) -> dict[Key, str]:
        """The body hash stored for each of ``keys`` that was accepted before."""

    def select_states(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes]]:
        """The position, topic and state of the events after position ``after`` up to ``stop``, at most
        ``limit`` of them: the log as a reader of states needs it, without building notifications."""

    def select_log_events(self, after: int, stop: int, limit: int) -> list[tuple[int, str, bytes, UUID, int]]:
        """As ``select_states``, with each event's stream id and version: the log as its publishers need it."""

    def rejected_inputs(self) -> list[RejectedInput]:
        """Every rejected input, oldest first."""

    def party_keys(self, parties: Sequence[str], create: bool = False) -> dict[str, bytes | None]:
        """The sealing key of each of ``parties`` that has one, or None once erased; ``create`` first
        makes one for each that has none (``adapters.storage.party_keys``)."""

    def erase_party(self, erasure: Erasure) -> int:
        """Destroy the party's key and purge the rejected inputs naming it; how many were purged."""

    def accepted_counts(self) -> dict[str, int]:
        """How many inputs of each type were accepted."""

    def exclusive(self) -> AbstractContextManager[LedgerTransaction]:
        """A transaction that holds the log's write lock from its start: what it reads stays
        true until it commits, so a batch decided in it cannot lose a race."""


class ChainedLog(Protocol):
    """The log beside its hash chain, read a page at a time for ``casetrail verify``."""

    def max_notification_id(self) -> int | None:
        """The log's last position, if it holds any event."""

    def logged_events(self, after: int, limit: int) -> list[LoggedEvent]:
        """The events after position ``after``, at most ``limit`` of them (fewer past a page's bytes)."""

    def linked_rows(self, after: int, upto: int | None = None) -> Generator[LinkedRow, None, None]:
        """Every event after position ``after`` (up to ``upto``), in position order, each beside its kept link."""

    def events_up_to(self, position: int) -> tuple[int, int, bytes | None]:
        """How many events lie at or before ``position``, the last one's position (0 if none) and its kept link."""

    def link_after(self, position: int) -> int | None:
        """The position of the first kept link after ``position``, if any."""

    def chain_up(self) -> None:
        """Link the events the chain does not cover yet (a log written before it)."""


class PartWalker(Protocol):
    """Walks a part of the log elsewhere (another process) while ``verify`` walks the part before it."""

    def start(self, part: Part) -> None: ...

    def checked(self) -> int:
        """How many positions it has walked so far."""

    def result(self, timeout: float) -> Walked | None:
        """The part's walk once done; None if it is not done within ``timeout`` seconds."""

    def stop(self) -> None:
        """End the walk, done or not."""


class ViewCursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def insert_many(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = "",
                    /) -> None:
        """``INSERT INTO table (columns) ... on_conflict`` of every row, the cheapest way the store has.
        One statement takes them all: no two rows may meet the same conflict target."""


class ViewReader(Protocol):
    """The read models' tables as a read sees them: queries only. SQL is written with ``?`` placeholders."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class ViewStore(ViewReader, Protocol):
    """The read models' tables, beside the log, as the views write them."""

    def transaction(self) -> AbstractContextManager[ViewCursor]:
        """A cursor whose work commits together when the block ends without error."""

    def schema_transaction(self) -> AbstractContextManager[ViewCursor]:
        """A transaction that runs beside no other process's schema transaction on this store:
        for creating tables, which two processes starting together would otherwise race for."""

    def analyze(self, tables: Sequence[str]) -> None:
        """Refresh the query planner's statistics of ``tables``."""

    def compact(self, tables: Sequence[str]) -> bool:
        """Give back the space of deleted and rewritten rows of ``tables``, so no freed page keeps them;
        False if another process kept it from being done now."""


@dataclass(frozen=True)
class KeptCheckpoint:
    """A signed checkpoint as the store keeps it: one per log size, the first signing of that size."""

    size: int
    root: bytes
    note: str  # the C2SP signed note, exactly as signed
    verifier_key: str  # the key that signed it, as ``NAME+KEYHASH+KEY``
    signed_at: datetime
    made_by: str  # who asked for it: a token's name, the command line, the server's schedule

    @property
    def origin(self) -> str:
        return self.note.split("\n", 1)[0]


class CheckpointShelf(Protocol):
    """The signed checkpoints kept beside the log, for the server to serve and a verifier to check against."""

    def keep_checkpoint(self, checkpoint: KeptCheckpoint) -> KeptCheckpoint:
        """Keep ``checkpoint`` unless one of its size is kept already; returns the one kept of its size."""

    def latest_checkpoint(self) -> KeptCheckpoint | None:
        """The kept checkpoint of the largest size, or None before the first."""
