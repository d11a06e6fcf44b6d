"""Kafka figures: the consumer into PostgreSQL and the relay to the broker, each
beside kafka-python's raw produce and consume rates on the same broker in the same run,
the consumer beside ``casetrail ingest`` of the same events too, and the relay beside a
raw produce of its own messages, built beforehand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from benchmarks.ingest_rate import ingest_seconds
from benchmarks.stores import fresh_store
from benchmarks.tansu import running_broker
from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.kafka.consumer import InboundConsumer
from casetrail.adapters.kafka.relay import Relay, RelayTopics
from casetrail.adapters.kafka.topics import KafkaSettings, ensure_topics
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion
from casetrail.services.view_runner import LAST_POSITION

SESSION_TIMEOUT_MS = 2000
# The consumer group's figure: this many `casetrail consume` processes on a topic of this many partitions.
GROUP_MEMBERS = 3
GROUP_PARTITIONS = 6


@dataclass(frozen=True)
class KafkaFigures:
    events: int
    raw_produce_rate: float
    raw_consume_rate: float
    consume_rate: float  # inbound events/s stored and committed by `consume`
    ingest_rate: float  # inbound events/s stored by `casetrail ingest` of the same events, a fresh store
    projection_seconds: float  # then for its views and detectors to catch up with them
    relayed: int
    relay_rate: float  # stored events/s published by the relay
    raw_relay_rate: float  # the same events/s, their messages built beforehand and sent by a bare producer
    # Inbound events/s stored and committed by `casetrail consume` processes, one alone and
    # GROUP_MEMBERS in one group, each on a fresh store, from the same six-partition topic.
    member_rate: float
    group_rate: float


def measure_kafka(lines: list[bytes]) -> KafkaFigures:
    with tempfile.TemporaryDirectory() as folder, running_broker(Path(folder) / "broker.log") as address:
        kafka = KafkaSettings(address, session_timeout_ms=SESSION_TIMEOUT_MS)
        ensure_topics(kafka, ["bench.inbound", "bench.raw"])
        produce_rate = _raw_produce(address, "bench.raw", lines)
        consume_rate = _raw_consume(address, "bench.raw", len(lines))
        _raw_produce(address, "bench.inbound", lines)
        with fresh_store("postgres") as url:
            system = bootstrap(Settings(database_url=url))
            try:
                consumed, projection_seconds = _consume(system, kafka, len(lines))
                relayed, relay_seconds, raw_relay_seconds = _relay(system, kafka)
            finally:
                system.close()
        with fresh_store("postgres") as url:
            app = Ingestion(env=persistence_env(url), config=Config())
            ingested = len(lines) / ingest_seconds(app, lines)
            app.close()
        member_rate, group_rate = _group_rates(address, lines)
    return KafkaFigures(len(lines), produce_rate, consume_rate, consumed, ingested, projection_seconds, relayed,
                        relayed / relay_seconds, relayed / raw_relay_seconds, member_rate, group_rate)


def _raw_produce(address: str, topic: str, lines: list[bytes]) -> float:
    producer = KafkaProducer(bootstrap_servers=address, enable_idempotence=True, acks="all", linger_ms=5,
                             batch_size=256 * 1024)
    started = time.perf_counter()
    for line in lines:
        producer.send(topic, value=line)
    producer.flush()
    seconds = time.perf_counter() - started
    producer.close()
    return len(lines) / seconds


def _raw_consume(address: str, topic: str, count: int) -> float:
    consumer = KafkaConsumer(topic, bootstrap_servers=address, group_id="bench-raw", enable_auto_commit=False,
                             auto_offset_reset="earliest", session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=500,
                             max_poll_records=1000)
    seen, started = 0, None
    while seen < count:
        polled = consumer.poll(timeout_ms=500)
        if polled and started is None:
            started = time.perf_counter()  # from the first records: the group join is not reading
        seen += sum(len(records) for records in polled.values())
        consumer.commit()
    seconds = time.perf_counter() - (started or time.perf_counter())
    consumer.close()
    return count / seconds


def _consume(system: System, kafka: KafkaSettings, count: int) -> tuple[float, float]:
    """Inbound events/s through the consumer, timed from its first stored batch so the group join is left out;
    then the seconds its views and detectors take to catch up when it stops."""
    stop = threading.Event()
    consumer = InboundConsumer(system, kafka, ["bench.inbound"], group="bench-consume", batch_size=1000, stop=stop)
    first: list[tuple[float, int]] = []
    last: list[float] = []

    def count_batch(_counts: object) -> None:
        done = consumer.counts.accepted + consumer.counts.duplicates + consumer.counts.rejected
        if not first:
            first.append((time.perf_counter(), done))
        if done >= count:
            last.append(time.perf_counter())
            stop.set()

    consumer.run(on_batch=count_batch)  # returns once views and detectors have caught up
    caught_up = time.perf_counter()
    consumer.close()
    started, before = first[0]
    return (count - before) / (last[0] - started), caught_up - last[0]


def _relay(system: System, kafka: KafkaSettings) -> tuple[int, float, float]:
    """The relay's events and seconds over the whole log, then the seconds of a bare producer sending
    the same messages, read and built before it is timed, to topics of their own."""
    relay = Relay(system, kafka, RelayTopics("bench.events", "bench.cases", "bench.alerts"))
    last = system.ingestion.recorder.max_notification_id()
    assert last is not None, "the log is loaded before the relay is timed"
    started = time.perf_counter()
    while relay.position() < last:
        relay.runner.catch_up(until=last)
    seconds = time.perf_counter() - started
    messages = []
    after = 0
    while batch := relay.runner._read(after, LAST_POSITION):
        messages += [(f"raw.{m.topic}", m.key, orjson.dumps(m.value), m.headers) for m in relay.messages(batch)]
        after = batch[-1].position
    relay.close()
    ensure_topics(kafka, sorted({topic for topic, *_ in messages}))
    producer = KafkaProducer(enable_idempotence=True, acks="all", linger_ms=5, batch_size=256 * 1024,
                             **kafka.client_options())
    started = time.perf_counter()
    for topic, key, value, headers in messages:
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    raw_seconds = time.perf_counter() - started
    producer.close()
    return relay.published, seconds, raw_seconds


def _group_rates(address: str, lines: list[bytes]) -> tuple[float, float]:
    """One ``casetrail consume`` process, then ``GROUP_MEMBERS`` in one group, each into a fresh
    PostgreSQL store, from a topic of ``GROUP_PARTITIONS`` partitions holding ``lines`` unkeyed
    (spread over every partition)."""
    topic = "bench.group"
    admin = KafkaAdminClient(bootstrap_servers=address)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=GROUP_PARTITIONS, replication_factor=1)])
    finally:
        admin.close()
    _raw_produce(address, topic, lines)
    rates = []
    for members in (1, GROUP_MEMBERS):
        with fresh_store("postgres") as url:
            rates.append(_members_rate(address, url, topic, f"bench-group-{members}", members, len(lines)))
    return rates[0], rates[1]


def _members_rate(address: str, url: str, topic: str, group: str, members: int, count: int) -> float:
    """Inbound events/s committed by ``members`` consume processes as they run in production,
    timed from the group's first commit to its last (the group join left out, as for one member)."""
    env = {**os.environ, "CASETRAIL_DATABASE": url, "CASETRAIL_KAFKA_BOOTSTRAP": address, "CASETRAIL_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "casetrail", "consume", "--topic", topic, "--group", group,
               "--session-timeout-ms", str(SESSION_TIMEOUT_MS)]
    running = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(members)]
    offsets = KafkaConsumer(bootstrap_servers=address, group_id=group, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in range(GROUP_PARTITIONS)]
    first: tuple[float, int] | None = None
    try:
        while True:
            done, now = sum(offsets.committed(p) or 0 for p in partitions), time.perf_counter()
            if done and first is None:
                first = (now, done)
            if done >= count:
                break
            if any(member.poll() is not None for member in running):
                raise RuntimeError(f"a casetrail consume of group {group} ended before the end of its input")
            time.sleep(0.2)
    finally:
        offsets.close()
        for member in running:
            member.send_signal(signal.SIGTERM)
        for member in running:
            member.wait(timeout=300)
    assert first is not None
    return (count - first[1]) / (now - first[0])
