"""``casetrail consume``: CloudEvents from Kafka topics into the log, with exactly-once effects.

Each poll is one batch and one database transaction. Offsets are committed
only after that transaction and after the batch's rejects are on the
dead-letter topic, so a crash anywhere redelivers the batch; redelivered
records are duplicates by their ``(source, id)``, never second events.
The views and detectors follow the log in a process of their own
(``adapters.processes.view_follower``), so storing never waits for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from casetrail.adapters.bootstrap import System
from casetrail.adapters.kafka.records import RecordInput, record_input, rejected_headers
from casetrail.adapters.kafka.topics import KafkaSettings, ensure_topics
from casetrail.adapters.processes.view_follower import ViewFollower
from casetrail.adapters.storage.outages import DATABASE_ERRORS, FIRST_BACKOFF_S, first_line, next_backoff
from casetrail.services.batches import IngestCounts, PreparedBatch, RawInput, batches
from casetrail.services.ports import RejectedInput

log = structlog.get_logger("casetrail.consume")

T = TypeVar("T")



def rejected_topic(topic: str) -> str:
    return f"{topic}.rejected"


class InboundConsumer:
    def __init__(self, system: System, kafka: KafkaSettings, topics: Sequence[str], group: str,
                 batch_size: int = 1000, stop: threading.Event | None = None) -> None:
        self.system = system
        self.topics = list(topics)
        self.batch_size = batch_size
        self.stop = stop or threading.Event()
        self.counts = IngestCounts()
        # Polls taken but not yet committed, oldest first.
        self._in_flight: list[list[RecordInput]] = []
        # Offsets of stored polls that a rebalance kept the broker from taking; they go with the next commit.
        self._owed: dict[TopicPartition, OffsetAndMetadata] = {}
        self._with_backoff("broker", lambda: ensure_topics(kafka, [*self.topics, *map(rejected_topic, self.topics)]))
        self.consumer = self._with_backoff("broker", lambda: KafkaConsumer(
            *self.topics, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=batch_size, **kafka.consumer_options()))
        # Idempotent: a retried send after a lost acknowledgement is not written twice.
        self.dead_letters = self._with_backoff("broker", lambda: KafkaProducer(
            enable_idempotence=True, acks="all", **kafka.client_options()))

    def run(self, on_batch: Callable[[IngestCounts], None] | None = None) -> IngestCounts:
        """Consume until ``stop`` is set; the batch in hand is finished first.

        Returns once the views and detectors have caught up with what was stored.
        """
        follower = ViewFollower(self.system.settings)
        follower.start()  # it first catches up with what an earlier run stored
        try:
            while not self.stop.is_set():
                try:
                    # Each poll is decided while the one before is written.
                    self.system.ingestion.ingest_batches(self._polls(follower),
                                                         lambda stored: self._stored(stored, on_batch))
                except DATABASE_ERRORS as error:
                    log.warning("database unavailable; storing the polls in hand one by one", error=first_line(error))
                    while self._in_flight:
                        self._stored(self._store_alone(self._in_flight[0]), on_batch)
        except Stopped as stopped:
            log.warning("stopped while waiting; the uncommitted batch will be read again", waiting_for=str(stopped))
        finally:
            follower.stop()
        return self.counts

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.dead_letters.close()

    def _polls(self, follower: ViewFollower) -> Iterator[list[RawInput]]:
        """Each poll's records until ``stop`` is set; an empty one while the topic is quiet,
        so that the batch in hand is stored and committed without waiting for more."""
        while not self.stop.is_set():
            polled = self.consumer.poll(timeout_ms=500, max_records=self.batch_size)
            records = [record_input(r.topic, r.partition, r.offset, r.key, r.value, r.headers)
                       for batch in polled.values() for r in batch]
            if not records:
                yield []
            # A poll of large records is stored as several batches: memory follows bytes, as for files.
            taken = 0
            for chunk in batches([r.input for r in records], len(records) or 1):
                self._in_flight.append(records[taken : taken + len(chunk)])
                taken += len(chunk)
                yield chunk
            if self._owed and not self._in_flight:
                self._commit([])  # the poll finished the rebalance; a quiet topic has no next batch to carry them
            follower.keep_alive()

    def _store_alone(self, records: list[RecordInput]) -> PreparedBatch:
        return self._with_backoff("database", lambda: self.system.ingestion.ingest_batch([r.input for r in records]))

    def _stored(self, stored: PreparedBatch, on_batch: Callable[[IngestCounts], None] | None) -> None:
        """The oldest poll in hand is in the database: its rejects go to the dead-letter topic, then its offsets."""
        records = self._in_flight.pop(0)
        self._dead_letter(records, stored.rejects)
        self._commit(records)
        self.counts += stored.counts
        log.info("batch consumed", records=len(records), **vars(stored.counts))
        if on_batch is not None:
            on_batch(stored.counts)

    def _dead_letter(self, records: list[RecordInput], rejects: list[RejectedInput]) -> None:
        """Each rejected record, as it came, on its topic's ``.rejected`` topic with the reason in a header."""
        if not rejects:
            return
        by_entrance = {r.input.entrance: r for r in records}

        def publish() -> None:
            for reject in rejects:
                record = by_entrance[reject.entrance]
                self.dead_letters.send(rejected_topic(record.topic), key=record.key, value=record.value,
                                       headers=rejected_headers(record.headers, reject.reason))
            self.dead_letters.flush()

        self._with_backoff("broker", publish)

    def _commit(self, records: list[RecordInput]) -> None:
        """Commit ``records``' offsets with those still owed, for the partitions this member holds.

        A rebalance refuses commits until the next poll rejoins the group, and
        only a poll can finish it: the offsets are owed until then. A partition
        that went to another member is read there again from its last commit:
        duplicates, nothing lost.
        """
        for record in records:
            self._owed[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(record.offset + 1, "", -1)
        held = self.consumer.assignment()
        offsets = {partition: offset for partition, offset in self._owed.items() if partition in held}
        try:
            self._with_backoff("broker", lambda: self.consumer.commit(offsets))
        except (CommitFailedError, RebalanceInProgressError) as error:
            log.warning("offsets not committed while the group rebalances; they go with the next commit",
                        error=first_line(error))
            return
        self._owed.clear()

    def _with_backoff(self, what: str, work: Callable[[], T]) -> T:
        """Retry ``work`` until it succeeds, waiting longer each time; never skip it."""
        delay = FIRST_BACKOFF_S
        while True:
            try:
                return work()
            except (CommitFailedError, RebalanceInProgressError):
                raise  # only the next poll can settle the group
            except (*DATABASE_ERRORS, KafkaError) as error:
                log.warning(f"{what} unavailable; retrying", error=first_line(error), retry_in_s=delay)
                if self.stop.wait(delay):
                    # Nothing of the batch in hand was committed to Kafka: it is read again next time.
                    raise Stopped(what) from error
                delay = next_backoff(delay)


class Stopped(Exception):
    """Asked to stop while waiting for the database or the broker to come back."""
