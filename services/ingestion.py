"""The ingestion application: validated CloudEvents become events on aggregates.

A batch is one transaction: its events, the keys of its accepted inputs and
its rejected inputs are saved together, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence, cast
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper

from domain.config import Config
from domain.errors import DomainError
from domain.model import Aggregate, Provenance
from services.event_mapper import JSONTranscoder, PydanticMapper
from services.inbound import Envelope, InboundEvent
from services.parsing import Invalid, parse_event
from services.ports import AcceptedInput, InboundLedger, Key, RejectedInput
from services.routing import targets

log = structlog.get_logger("casetrail.ingest")

DEFAULT_BATCH_SIZE = 500
# Two writers may race for the same stream or key; the loser re-reads and retries.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class RawInput:
    """Bytes as they arrived, and where from (``file:PATH:LINE``, ``kafka:...``)."""

    raw: bytes
    entrance: str


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

    def __iadd__(self, other: IngestCounts) -> IngestCounts:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        return self


class Ingestion(Application[UUID]):
    name = "casetrail"

    def __init__(self, env: dict[str, str], config: Config) -> None:
        super().__init__(env)
        self.config = config

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(transcoder=JSONTranscoder())

    @property
    def ledger(self) -> InboundLedger:
        return cast(InboundLedger, self.recorder)

    def ingest(
        self,
        inputs: Iterable[RawInput],
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestCounts], None] | None = None,
        backfill: bool = False,
    ) -> IngestCounts:
        total = IngestCounts()
        for number, batch in enumerate(_batches(inputs, batch_size), start=1):
            counts = self.ingest_batch(batch, batch_number=number, backfill=backfill)
            total += counts
            if on_batch is not None:
                on_batch(counts)
        return total

    def ingest_batch(self, batch: Sequence[RawInput], batch_number: int = 1, backfill: bool = False) -> IngestCounts:
        receipt = Receipt(datetime.now(timezone.utc), backfill)
        parsed = [(item, parse_event(item.raw)) for item in batch]
        bound = log.bind(batch=batch_number, size=len(batch))
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                counts = self._store_batch(parsed, receipt, bound)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS:
                    raise
                bound.info("batch raced another writer; retrying", attempt=attempt)
                continue
            bound.info("batch stored", **vars(counts))
            return counts
        raise AssertionError("unreachable")

    def _store_batch(
        self, parsed: list[tuple[RawInput, InboundEvent | Invalid]], receipt: Receipt, bound: Any
    ) -> IngestCounts:
        counts = IngestCounts()
        rejects: list[RejectedInput] = []
        fresh: dict[Key, tuple[RawInput, InboundEvent]] = {}

        def reject(item: RawInput, reason: str, **context: Any) -> None:
            rejects.append(RejectedInput(receipt.at, item.entrance, reason, item.raw))
            bound.warning("input rejected", entrance=item.entrance, reason=reason, **context)

        def seen_before(item: RawInput, event: InboundEvent, stored_hash: str) -> None:
            if stored_hash == event.body_hash:
                counts.duplicates += 1
                return
            source, id_ = event.key
            reject(item, f"conflict: {source}#{id_} was received before with another body; the first stands",
                   source=source, event_id=id_)

        for item, result in parsed:
            if isinstance(result, Invalid):
                reject(item, result.reason)
            elif result.key in fresh:
                seen_before(item, result, fresh[result.key][1].body_hash)
            else:
                fresh[result.key] = (item, result)

        for key, stored_hash in self.ledger.stored_hashes(list(fresh)).items():
            item, event = fresh.pop(key)
            seen_before(item, event, stored_hash)

        aggregates: dict[UUID, Aggregate] = {}
        accepted: list[AcceptedInput] = []
        for item, event in fresh.values():
            try:
                self._apply_to_aggregates(event, receipt, aggregates)
            except DomainError as error:
                reject(item, str(error), source=event.envelope.source, event_id=event.envelope.id)
                continue
            envelope = event.envelope
            accepted.append(AcceptedInput(envelope.source, envelope.id, envelope.type, event.body_hash, receipt.at))
        counts.accepted = len(accepted)
        counts.rejected = len(rejects)
        self.save(*aggregates.values(), accepted=accepted, rejects=rejects)
        return counts

    def _apply_to_aggregates(self, event: InboundEvent, receipt: Receipt, aggregates: dict[UUID, Aggregate]) -> None:
        provenance = self._provenance(event, receipt)
        planned = [(target, self._current(target.aggregate_id, aggregates))
                   for target in targets(event.envelope.type, event.data)]
        # Check every target before changing any, so a rejected input leaves no trace.
        for _, existing in planned:
            if existing is not None:
                existing.check_fact_is_new(provenance)
        for target, existing in planned:
            aggregates[target.aggregate_id] = target.aggregate_class.record(
                existing, target.aggregate_id, target.event_class, provenance=provenance, **target.fields
            )

    def _current(self, aggregate_id: UUID, aggregates: dict[UUID, Aggregate]) -> Aggregate | None:
        return aggregates.get(aggregate_id) or self._load(aggregate_id)

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return cast(Aggregate, self.repository.get(aggregate_id))
        except AggregateNotFoundError:
            return None

    def _provenance(self, event: InboundEvent, receipt: Receipt) -> Provenance:
        envelope = event.envelope
        return Provenance(
            source=envelope.source,
            id=envelope.id,
            type=envelope.type,
            occurred_at=envelope.time,
            reported_at=receipt.reported_at(envelope),
            received_at=receipt.at,
            department=envelope.department or self.config.departments.for_source(envelope.source),
            actor=envelope.actor,
            role=envelope.actorrole,
            body_hash=event.body_hash,
            extensions=envelope.extensions,
        )


def _batches(inputs: Iterable[RawInput], size: int) -> Iterator[list[RawInput]]:
    batch: list[RawInput] = []
    for item in inputs:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
