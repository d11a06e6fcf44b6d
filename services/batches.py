"""The values a batch of input passes through on its way into the log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Self
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from casetrail.services.limits import MAX_BATCH_BYTES, TooLong
from casetrail.services.ports import AcceptedInput, RejectedInput

if TYPE_CHECKING:  # the inbound models: a command that reads no input does without them
    from casetrail.services.inbound import Envelope


@dataclass(frozen=True)
class RawInput:
    """Bytes as they arrived, and where from (``file:PATH:LINE``, ``kafka:...``).

    An input over the line limit carries only its first bytes, and ``too_long``
    says what the rest was. An importer that could not turn a record of its file
    into an event hands the record's bytes with its ``refusal``: kept as a reject.
    """

    raw: bytes
    entrance: str
    too_long: TooLong | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class Receipt:
    """When a batch arrived, and when its events count as known.

    Live input was known when casetrail received it, unless it says when its
    source reported it (``reportedat``). A backfill is a historical record
    loaded later: each event without ``reportedat`` was known when it occurred.
    """

    at: datetime
    backfill: bool = False

    def reported_at(self, envelope: Envelope) -> datetime:
        if envelope.reportedat is not None:
            return envelope.reportedat
        return envelope.time if self.backfill else self.at


@dataclass
class IngestCounts:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"accepted {self.accepted}, duplicates {self.duplicates}, rejected {self.rejected}"

    def __iadd__(self, other: IngestCounts) -> Self:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        return self


@dataclass
class PreparedBatch:
    """A batch decided and mapped, ready to be written in one transaction."""

    number: int
    inputs: Sequence[RawInput]
    counts: IngestCounts = field(default_factory=IngestCounts)
    stored: list[StoredEvent] = field(default_factory=list)
    accepted: list[AcceptedInput] = field(default_factory=list)
    rejects: list[RejectedInput] = field(default_factory=list)
    # The version each stream the batch touches reaches once it is stored.
    heads: dict[UUID, int] = field(default_factory=dict)


def batches(inputs: Iterable[RawInput], size: int, max_bytes: int = MAX_BATCH_BYTES) -> Iterator[list[RawInput]]:
    """Batches of at most ``size`` inputs and, but for a single input, ``max_bytes`` bytes."""
    batch: list[RawInput] = []
    held = 0
    for item in inputs:
        if batch and held + len(item.raw) > max_bytes:
            yield batch
            batch, held = [], 0
        batch.append(item)
        held += len(item.raw)
        if len(batch) >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch
