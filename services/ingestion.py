"""The ingestion application: validated CloudEvents become events on aggregates.

A batch is one transaction: its events, the keys of its accepted inputs and
its rejected inputs are saved together, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError, StoredEvent

from casetrail.domain.config import Config
from casetrail.domain.errors import DomainError, UnknownCategory, UnknownEscalationLevel
from casetrail.domain.values import quote
from casetrail.services.application import CasetrailApplication
from casetrail.services.batches import IngestCounts, PreparedBatch, RawInput, Receipt, batches
from casetrail.services.limits import short_reason
from casetrail.services.ports import AcceptedInput, Key, LedgerTransaction, RejectedInput
from casetrail.services.stream_heads import StreamHeads

if TYPE_CHECKING:  # the inbound models are imported when input arrives: a read does without them
    from casetrail.services.inbound import InboundEvent
    from casetrail.services.routing import Target

__all__ = ["IngestCounts", "Ingestion", "RawInput"]

log = structlog.get_logger("casetrail.ingest")

DEFAULT_BATCH_SIZE = 500
# Parties whose sealing keys a writer remembers (about 170 bytes each, some 3.4 MB); past this, it
# forgets them all and asks again with its batch.
REMEMBERED_KEYS = 20_000


class Ingestion(CasetrailApplication):
    def __init__(self, env: dict[str, str], config: Config) -> None:
        super().__init__(env, config)
        self.heads = StreamHeads(self.ledger.stream_heads)
        self.sealing_keys: dict[str, bytes | None] = {}

    def ingest(
        self,
        inputs: Iterable[RawInput],
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestCounts], None] | None = None,
        backfill: bool = False,
    ) -> IngestCounts:
        """Store ``inputs`` batch by batch, each in one transaction."""
        total = IngestCounts()

        def stored(batch: PreparedBatch) -> None:
            nonlocal total
            total += batch.counts
            if on_batch is not None:
                on_batch(batch.counts)

        self.ingest_batches(batches(inputs, batch_size), stored, backfill)
        return total

    def ingest_batches(self, inputs: Iterable[Sequence[RawInput]], on_stored: Callable[[PreparedBatch], None],
                       backfill: bool = False) -> None:
        """Store each batch of ``inputs`` in one transaction, calling ``on_stored`` with each, in order,
        once it is committed. An empty batch stores nothing; it only lets the batch in hand land.

        The next batch is decided while the last one is written, as if it had
        landed: the database works while Python decides. If the last one lost
        a race with another writer, it is stored again and the next decided again.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="casetrail-writer") as writer:
            landing: tuple[PreparedBatch, Future[None]] | None = None
            for number, batch in enumerate(inputs, start=1):
                if not batch:
                    if landing is not None:
                        on_stored(self._land(*landing, backfill)[0])
                        landing = None
                    continue
                prepared = self._prepare(batch, number, backfill, ahead=landing[0] if landing else None)
                if landing is not None:
                    stored, raced = self._land(*landing, backfill)
                    on_stored(stored)
                    if raced:
                        prepared = self._prepare(batch, number, backfill)
                landing = (prepared, writer.submit(self._write, prepared))
            if landing is not None:
                on_stored(self._land(*landing, backfill)[0])

    def _land(self, prepared: PreparedBatch, writing: Future[None], backfill: bool) -> tuple[PreparedBatch, bool]:
        """Wait for a batch's write; returns the batch as stored, and True if it raced another
        writer and was stored again."""
        try:
            writing.result()
        except IntegrityError:
            return self._store_exclusively(prepared.inputs, prepared.number, backfill), True
        self.heads.advance(prepared.heads)
        return prepared, False

    def ingest_batch(self, batch: Sequence[RawInput], number: int = 1, backfill: bool = False) -> PreparedBatch:
        """Store one batch; if another writer got there first, decide it again and store it.

        Returns the batch as stored: its counts, and its rejects for an entrance
        that passes them on (Kafka's dead-letter topic).
        """
        prepared = self._prepare(batch, number, backfill)
        try:
            self._write(prepared)
        except IntegrityError:
            return self._store_exclusively(batch, number, backfill)
        self.heads.advance(prepared.heads)
        return prepared

    def _store_exclusively(self, batch: Sequence[RawInput], number: int, backfill: bool) -> PreparedBatch:
        """Decide ``batch`` again and store it in one transaction that holds the log's write lock
        from its first read to its commit.

        The batch lost a race: another writer moved some of its streams on, or stored some of
        its keys (which are now duplicates or conflicts). Decided again from what is stored,
        outside the lock, it could lose again, and again, to a writer that keeps writing the
        same streams. Under the lock nothing it read can change, so it cannot lose.
        """
        log.info("raced another writer; deciding the batch again under the write lock", batch=number)
        self.heads.forget()
        with self.ledger.exclusive() as ledger:
            prepared = self._prepare(batch, number, backfill, ledger=ledger)
            ledger.insert_events(prepared.stored, accepted=prepared.accepted, rejects=prepared.rejects)
        self.heads.advance(prepared.heads)
        log.info("batch stored", batch=number, size=len(batch), **vars(prepared.counts))
        return prepared

    def _write(self, prepared: PreparedBatch) -> None:
        self.recorder.insert_events(prepared.stored, accepted=prepared.accepted, rejects=prepared.rejects)
        log.info("batch stored", batch=prepared.number, size=len(prepared.inputs), **vars(prepared.counts))

    def _prepare(self, batch: Sequence[RawInput], number: int, backfill: bool,
                 ahead: PreparedBatch | None = None, ledger: LedgerTransaction | None = None) -> PreparedBatch:
        """Decide a batch: what is rejected, duplicate or new, and the events the new inputs record.

        ``ahead`` is a batch being written now: its keys and heads count as stored.
        ``ledger`` is a transaction to read the stored keys and heads in, rather than the
        remembered heads and the ledger outside any write.
        """
        from casetrail.services.parsing import Invalid, parse_input
        from casetrail.services.routing import targets

        receipt = Receipt(datetime.now(UTC), backfill)
        prepared = PreparedBatch(number, batch)
        fresh: dict[Key, tuple[RawInput, InboundEvent]] = {}
        for item, result in ((item, parse_input(item)) for item in batch):
            if isinstance(result, Invalid):
                self._reject(prepared, receipt, item, result.reason)
            elif result.key in fresh:
                self._seen_before(prepared, receipt, item, result, fresh[result.key][1].body_hash)
            else:
                fresh[result.key] = (item, result)

        landing = {(a.source, a.id): a.body_hash for a in ahead.accepted} if ahead else {}
        for key in [key for key in fresh if key in landing]:
            item, event = fresh.pop(key)
            self._seen_before(prepared, receipt, item, event, landing[key])
        for key, stored_hash in (ledger or self.ledger).stored_hashes(list(fresh)).items():
            item, event = fresh.pop(key)
            self._seen_before(prepared, receipt, item, event, stored_hash)

        planned = [(item, event, targets(event.envelope.type, event.data)) for item, event in fresh.values()]
        keys = self._keys_to_seal([event for _, event, _ in planned], ledger)
        heads = StreamHeads(ledger.stream_heads) if ledger else self.heads
        prepared.heads = heads.of((target.aggregate_id for _, _, found in planned for target in found),
                                  ahead=ahead.heads if ahead else None)

        for item, event, found in planned:
            try:
                self._check_configured(event)
            except DomainError as error:
                self._reject(prepared, receipt, item, str(error))
                continue
            try:
                facts = self._record_fact(event, receipt, found, prepared.heads, keys)
            except (ValueError, TypeError, OverflowError) as error:
                # Inside the contract's limits this is a defect of casetrail's; the
                # input is still kept with its reason, and the batch beside it stored.
                self._reject(prepared, receipt, item, f"cannot be stored: {error}")
                continue
            prepared.stored.extend(facts)
            envelope = event.envelope
            prepared.accepted.append(
                AcceptedInput(envelope.source, envelope.id, envelope.type, event.body_hash, receipt.at))
        prepared.counts.accepted = len(prepared.accepted)
        prepared.counts.rejected = len(prepared.rejects)
        return prepared

    def _keys_to_seal(self, events: Sequence[InboundEvent], ledger: LedgerTransaction | None) -> dict[str, bytes | None]:
        """The sealing key of each party whose personal data ``events`` hold, made where it has none."""
        from casetrail.domain.catalogue import ACCEPTED
        from casetrail.services.personal_data import to_seal

        parties = {party for event in events if (party := to_seal(ACCEPTED[event.envelope.type], event.data))}
        if ledger is not None:  # under the write lock: asked inside it
            return ledger.party_keys(sorted(parties), create=True)
        missing = parties - self.sealing_keys.keys()
        if missing:
            if len(self.sealing_keys) + len(missing) > REMEMBERED_KEYS:
                self.sealing_keys.clear()
                missing = parties
            self.sealing_keys.update(self.ledger.party_keys(sorted(missing), create=True))
        return self.sealing_keys

    def _record_fact(self, event: InboundEvent, receipt: Receipt, found: list[Target],
                     heads: dict[UUID, int], keys: dict[str, bytes | None]) -> list[StoredEvent]:
        """The stored events that append ``event`` to each stream it speaks of, advancing their heads,
        with the personal fields sealed by their party's key."""
        from casetrail.domain.catalogue import ACCEPTED
        from casetrail.services.personal_data import seal_fields, to_seal

        entry = ACCEPTED[event.envelope.type]
        party = to_seal(entry, event.data)
        provenance = self._provenance(event, receipt)
        stored: list[StoredEvent] = []
        advanced: dict[UUID, int] = {}
        for target in found:
            head = advanced.get(target.aggregate_id, heads[target.aggregate_id])
            reported = target.fields if party is None else seal_fields(target.fields, entry, party, keys[party])
            fields = target.aggregate_class.next_fact_fields(target.aggregate_id, head, target.event_class,
                                                             provenance=provenance, **reported)
            stored.append(self.mapper.to_stored_fact(target.event_class, fields))
            advanced[target.aggregate_id] = head + 1
        heads.update(advanced)  # only once every stream's event is made: a failure leaves no gap
        return stored

    def _check_configured(self, event: InboundEvent) -> None:
        """Categories and case escalation levels are the configuration's, whichever entrance sends them."""
        from casetrail.domain.case import CaseCategorized, CaseEscalated, CaseOpened

        if isinstance(event.data, (CaseOpened, CaseCategorized)) and event.data.category not in self.config.categories:
            raise UnknownCategory(f"data.category: {quote(event.data.category)} is not a configured category "
                                  f"({', '.join(self.config.categories)})")
        if isinstance(event.data, CaseEscalated):
            try:
                self.config.check_escalation_level(event.data.level)
            except UnknownEscalationLevel as error:
                raise UnknownEscalationLevel(f"data.level: {error}") from None

    def _seen_before(self, prepared: PreparedBatch, receipt: Receipt, item: RawInput, event: InboundEvent,
                     stored_hash: str) -> None:
        from casetrail.services.parsing import same_body

        if same_body(event, stored_hash):
            prepared.counts.duplicates += 1
            return
        source, id_ = event.key
        self._reject(prepared, receipt, item,
                     f"conflict: {source}#{id_} was received before with another body; the first stands")

    def _reject(self, prepared: PreparedBatch, receipt: Receipt, item: RawInput, reason: str, **context: Any) -> None:
        reason = short_reason(reason)
        prepared.rejects.append(RejectedInput(receipt.at, item.entrance, reason, item.raw))
        log.warning("input rejected", batch=prepared.number, entrance=item.entrance, reason=reason, **context)

    def _provenance(self, event: InboundEvent, receipt: Receipt) -> dict[str, Any]:
        """The facts of the CloudEvent, validated with the event that carries them (``domain.model.Provenance``)."""
        envelope = event.envelope
        return {
            "source": envelope.source,
            "id": envelope.id,
            "type": envelope.type,
            "occurred_at": envelope.time,
            "reported_at": receipt.reported_at(envelope),
            "received_at": receipt.at,
            "department": envelope.department or self.config.departments.for_source(envelope.source),
            "actor": envelope.actor,
            "role": envelope.actorrole,
            "body_hash": event.body_hash,
            "extensions": envelope.extensions,
        }
