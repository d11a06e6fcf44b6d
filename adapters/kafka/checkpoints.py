"""Signed checkpoints published on Kafka: whoever reads the topic holds copies the database's keeper cannot
rewrite, and can check the log against them later (``casetrail verify --checkpoint FILE``)."""

from __future__ import annotations

from casetrail.adapters.kafka.topics import CHECKPOINTS_TOPIC, KafkaSettings, ensure_topics
from casetrail.services.ports import KeptCheckpoint

NOTE_TYPE = b"text/plain; charset=utf-8"  # the value is the C2SP signed note, byte for byte
SIZE_HEADER = "casetrail_size"


def publish_checkpoint(kafka: KafkaSettings, checkpoint: KeptCheckpoint, topic: str = CHECKPOINTS_TOPIC) -> None:
    """Send ``checkpoint`` keyed by its origin (one log's checkpoints stay in order on one partition) and wait
    until the broker has it; a broker that does not answer raises the library's error."""
    from kafka import KafkaProducer

    ensure_topics(kafka, [topic])
    producer = KafkaProducer(acks="all", **kafka.client_options())
    try:
        delivery = producer.send(topic, key=checkpoint.origin.encode(), value=checkpoint.note.encode(),
                                 headers=[("content-type", NOTE_TYPE), (SIZE_HEADER, str(checkpoint.size).encode())])
        producer.flush()
        delivery.get(timeout=kafka.bootstrap_timeout_ms / 1000)
    finally:
        producer.close()
