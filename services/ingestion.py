"""The ingestion application: validated CloudEvents become events on aggregates.

A batch is one transaction: its events, the keys of its accepted inputs and
its rejected inputs are saved together, or not at all.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Sequence
from uuid import UUID

import structlog

from domain.errors import DomainError, UnknownCategory
from domain.model import Aggregate, Provenance
from services.application import CasetrailApplication, retrying
from services.batches import IngestCounts, PreparedBatch, RawInput, Receipt, batches
from services.inbound import InboundEvent
from services.parsing import Invalid, parse_event
from services.ports import AcceptedInput, Key, RejectedInput
from services.routing import Target, targets

__all__ = ["Ingestion", "IngestCounts", "RawInput"]

log = structlog.get_logger("casetrail.ingest")

DEFAULT_BATCH_SIZE = 500


class Ingestion(CasetrailApplication):
    def ingest(
        self,
        inputs: Iterable[RawInput],
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestCounts], None] | None = None,
        backfill: bool = False,
    ) -> IngestCounts:
        total = IngestCounts()
        for number, batch in enumerate(batches(inputs, batch_size), start=1):
            counts = self.ingest_batch(batch, number, backfill).counts
            total += counts
            if on_batch is not None:
                on_batch(counts)
        return total

    def ingest_batch(self, batch: Sequence[RawInput], number: int = 1, backfill: bool = False) -> PreparedBatch:
        """Store one batch, re-reading and retrying if another writer got there first.

        Returns the batch as stored: its counts, and its rejects for an entrance
        that passes them on (Kafka's dead-letter topic).
        """

        def store() -> PreparedBatch:
            prepared = self._prepare(batch, number, backfill)
            self._write(prepared)
            return prepared

        return retrying(store)

    def _write(self, prepared: PreparedBatch) -> None:
        self.recorder.insert_events(prepared.stored, accepted=prepared.accepted, rejects=prepared.rejects)
        log.info("batch stored", batch=prepared.number, size=len(prepared.inputs), **vars(prepared.counts))

    def _prepare(self, batch: Sequence[RawInput], number: int, backfill: bool) -> PreparedBatch:
        """Decide a batch: what is rejected, duplicate or new, and the events the new inputs record."""
        receipt = Receipt(datetime.now(timezone.utc), backfill)
        prepared = PreparedBatch(number, batch)
        fresh: dict[Key, tuple[RawInput, InboundEvent]] = {}
        for item, result in ((item, parse_event(item.raw)) for item in batch):
            if isinstance(result, Invalid):
                self._reject(prepared, receipt, item, result.reason)
            elif result.key in fresh:
                self._seen_before(prepared, receipt, item, result, fresh[result.key][1].body_hash)
            else:
                fresh[result.key] = (item, result)

        for key, stored_hash in self.ledger.stored_hashes(list(fresh)).items():
            item, event = fresh.pop(key)
            self._seen_before(prepared, receipt, item, event, stored_hash)

        planned = [(item, event, targets(event.envelope.type, event.data)) for item, event in fresh.values()]
        streams = self.current_streams({t.aggregate_id for _, _, found in planned for t in found})
        changed: dict[UUID, Aggregate] = {}
        for item, event, found in planned:
            try:
                self._check_category(event)
                self._record_fact(self._provenance(event, receipt), found, streams, changed)
            except DomainError as error:
                self._reject(prepared, receipt, item, str(error))
                continue
            envelope = event.envelope
            prepared.accepted.append(
                AcceptedInput(envelope.source, envelope.id, envelope.type, event.body_hash, receipt.at))
        prepared.stored = [self.mapper.to_stored_event(event)
                           for aggregate in changed.values() for event in aggregate.collect_events()]
        prepared.counts.accepted = len(prepared.accepted)
        prepared.counts.rejected = len(prepared.rejects)
        return prepared

    def _record_fact(self, provenance: Provenance, found: list[Target], streams: dict[UUID, Aggregate],
                changed: dict[UUID, Aggregate]) -> None:
        # Check every target before changing any, so a rejected input leaves no trace.
        for target in found:
            existing = streams.get(target.aggregate_id)
            if existing is not None:
                existing.check_fact_is_new(provenance)
        for target in found:
            recorded = target.aggregate_class.record(streams.get(target.aggregate_id), target.aggregate_id,
                                                     target.event_class, provenance=provenance, **target.fields)
            streams[target.aggregate_id] = changed[target.aggregate_id] = recorded

    def _check_category(self, event: InboundEvent) -> None:
        category = getattr(event.data, "category", None)
        if category is not None and category not in self.config.categories:
            raise UnknownCategory(f"data.category: {category!r} is not a configured category "
                                  f"({', '.join(self.config.categories)})")

    def _seen_before(self, prepared: PreparedBatch, receipt: Receipt, item: RawInput, event: InboundEvent,
                     stored_hash: str) -> None:
        if stored_hash == event.body_hash:
            prepared.counts.duplicates += 1
            return
        source, id_ = event.key
        self._reject(prepared, receipt, item,
                     f"conflict: {source}#{id_} was received before with another body; the first stands")

    def _reject(self, prepared: PreparedBatch, receipt: Receipt, item: RawInput, reason: str, **context: Any) -> None:
        prepared.rejects.append(RejectedInput(receipt.at, item.entrance, reason, item.raw))
        log.warning("input rejected", batch=prepared.number, entrance=item.entrance, reason=reason, **context)

    def _provenance(self, event: InboundEvent, receipt: Receipt) -> Provenance:
        envelope = event.envelope
        # Every value was validated with the envelope; building the model again would only cost time.
        return Provenance.model_construct(
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
