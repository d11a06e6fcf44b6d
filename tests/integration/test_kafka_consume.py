"""``casetrail consume`` against a real Kafka-protocol broker: both content modes,
the dead-letter topic, and exactly-once effects across SIGKILLs and database outages."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from datetime import datetime
from typing import Any

import psycopg
import pytest
from cloudevents.core.bindings.kafka import to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.kafka.consumer import InboundConsumer, rejected_topic
from casetrail.adapters.kafka.records import REASON_HEADER
from casetrail.adapters.kafka.topics import KafkaSettings
from casetrail.adapters.settings import Settings
from tests.conftest import SCENARIOS, inputs, lines_of
from tests.integration.conftest import SESSION_TIMEOUT_MS, produce, read_all, start_member, wait_for, wait_for_offsets
from tests.test_exactly_once import contact_events

STRUCTURED = [("content-type", b"application/cloudevents+json")]
Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]


def subject_key(document: dict[str, Any], party_of_contact: dict[str, str]) -> bytes:
    """Records about one customer (or else one booking or resource) share a key, so one
    partition keeps their order, as a source system keying by its customer would."""
    data = document["data"]
    if data.get("party_ref"):
        party_of_contact.setdefault(data.get("contact_ref", ""), data["party_ref"])
    party = data.get("party_ref") or party_of_contact.get(data.get("contact_ref", ""))
    for value in (party, data.get("booking_ref"), data.get("case_ref"), data.get("resource")):
        if value:
            return str(value).encode()
    return document["source"].encode()


def binary_mode(document: dict[str, Any], key: bytes) -> Record:
    """The record the CloudEvents SDK's Kafka binding makes of an event in binary content mode."""
    attributes = {k: v for k, v in document.items() if k != "data"}
    attributes["time"] = datetime.fromisoformat(attributes["time"])
    message = to_binary(CloudEvent(attributes, document["data"]), JSONFormat(), key_mapper=lambda _: key)
    assert "ce_id" in message.headers and message.value.startswith(b"{")
    return key, message.value, list(message.headers.items())


def scenario_records() -> list[Record]:
    records: list[Record] = []
    party_of_contact: dict[str, str] = {}
    for number, path in enumerate(sorted(SCENARIOS.glob("*.jsonl"))):
        for line in lines_of(path.name):
            document = json.loads(line)
            key = subject_key(document, party_of_contact)
            # Alternate files between the two content modes.
            records.append(binary_mode(document, key) if number % 2 else (key, line, STRUCTURED))
    return records


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A case report without the times that say when this store received each event."""
    entries = [{k: v for k, v in e.items() if k not in ("recorded_at", "reported_at")} for e in report["timeline"]]
    return {**report, "timeline": entries}


def reports(system: System) -> dict[str, dict[str, Any]]:
    return {c["case_ref"]: comparable(system.cases.case_report(c["case_ref"])) for c in system.cases.list_cases()}


def test_the_samples_from_kafka_in_both_modes_give_the_same_cases_as_ingesting_the_files(
    kafka_bootstrap: str, names: str, postgres_url: str, sqlite_url: str
) -> None:
    topic = f"inbound-{names}"
    records = scenario_records()
    bad = (b"bad", b'{"specversion": "1.0", "id": "x"}', STRUCTURED)
    ends = produce(kafka_bootstrap, topic, [*records, bad])

    consumed = bootstrap(Settings(database_url=postgres_url))
    stop = threading.Event()
    consumer = InboundConsumer(consumed, KafkaSettings(kafka_bootstrap, session_timeout_ms=SESSION_TIMEOUT_MS),
                               [topic], group=f"g-{names}", batch_size=40, stop=stop)
    worker = threading.Thread(target=consumer.run)
    worker.start()
    try:
        wait_for_offsets(kafka_bootstrap, f"g-{names}", topic, ends, 60)
    finally:
        stop.set()
        worker.join(timeout=30)
        consumer.close()

    ingested = bootstrap(Settings(database_url=sqlite_url))
    try:
        lines = [line for path in sorted(SCENARIOS.glob("*.jsonl")) for line in lines_of(path.name)]
        assert ingested.ingestion.ingest(inputs(lines)).accepted == len(lines)
        ingested.catch_up()
        assert consumer.counts.accepted == len(records) and consumer.counts.rejected == 1
        assert consumed.cases.list_cases() == ingested.cases.list_cases()
        assert reports(consumed) == reports(ingested)
        assert len(reports(consumed)) >= 48

        (dead,) = read_all(kafka_bootstrap, rejected_topic(topic))
        assert (dead[2], dead[3]) == (b"bad", bad[1])
        assert dict(dead[4])[REASON_HEADER] == b"source: required attribute is missing"
        (kept,) = consumed.ingestion.ledger.rejected_inputs()
        assert kept.raw == bad[1] and kept.entrance.startswith(f"kafka:{topic}:")
    finally:
        consumed.close()
        ingested.close()


def invalid_records(count: int) -> list[bytes]:
    """Distinct bad inputs of several kinds."""
    kinds = [
        lambda n: b"not json %d" % n,
        lambda n: json.dumps({"specversion": "1.0", "id": f"bad-{n}", "source": "phone:pbx",
                              "type": "contact.started", "time": "2024-06-01T09:00:00",
                              "data": {"contact_ref": f"X-{n}"}}).encode(),
        lambda n: json.dumps({"specversion": "1.0", "id": f"bad-{n}", "source": "phone:pbx", "type": "nope",
                              "time": "2024-06-01T09:00:00Z", "data": {}}).encode(),
    ]
    return [kinds[n % len(kinds)](n) for n in range(count)]


def test_a_consumer_killed_five_times_stores_every_valid_record_once_and_every_invalid_one_as_a_reject(
    kafka_bootstrap: str, names: str, postgres_url: str
) -> None:
    topic, group = f"inbound-{names}", f"g-{names}"
    valid, invalid = contact_events(10_000), invalid_records(50)
    mixed = [(None, line, STRUCTURED) for line in valid]
    chance = random.Random(5)
    for bad in invalid:
        mixed.insert(chance.randrange(len(mixed)), (None, bad, STRUCTURED))
    ends = produce(kafka_bootstrap, topic, mixed)
    arguments = ["consume", "--topic", topic, "--group", group, "--batch-size", "200",
                 "--session-timeout-ms", str(SESSION_TIMEOUT_MS)]

    system = bootstrap(Settings(database_url=postgres_url))
    try:
        def stored() -> int:
            return sum(system.ingestion.ledger.accepted_counts().values())

        for _ in range(5):
            before = stored()
            member = start_member(arguments[0], postgres_url, kafka_bootstrap, *arguments[1:])
            # wait_for calls the condition before the loop moves on: the loop variables are the current ones.
            wait_for(lambda: stored() != before or member.poll() is not None,  # noqa: B023
                     60, "the consumer to store a batch",
                     interval=0.02)
            time.sleep(chance.uniform(0, 0.4))
            member.send_signal(signal.SIGKILL)
            member.wait()
        assert 0 < stored() < len(valid), "every kill should land before the end of the input"

        finisher = start_member(arguments[0], postgres_url, kafka_bootstrap, *arguments[1:])
        wait_for_offsets(kafka_bootstrap, group, topic, ends, 120)
        finisher.send_signal(signal.SIGTERM)
        assert finisher.wait(timeout=30) == 0, finisher.stderr.read().decode() if finisher.stderr else ""

        assert stored() == len(valid)
        # One stored event per record (the detectors add case events beside them).
        assert system.view_store.query("SELECT count(*) FROM casetrail_events WHERE topic LIKE 'casetrail.domain.contact:%'"
                                       ) == [(len(valid),)]
        rejects = system.ingestion.ledger.rejected_inputs()
        assert sorted(r.raw for r in rejects) == sorted(invalid)
        dead = {record[3] for record in read_all(kafka_bootstrap, rejected_topic(topic))}
        assert dead == set(invalid)  # redelivered after a kill, a record may be here twice; none is missing
    finally:
        system.close()


def test_a_consumer_whose_database_connections_are_cut_stores_every_record_once(
    kafka_bootstrap: str, names: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic, group = f"inbound-{names}", f"g-{names}"
    # libpq names every connection the consumer and its follower process open after this variable:
    # the cuts below end those alone, not the connections of tests running beside this one.
    application = f"cut-{names}"[:63]
    monkeypatch.setenv("PGAPPNAME", application)
    valid = contact_events(3_000)
    ends = produce(kafka_bootstrap, topic, [(None, line, STRUCTURED) for line in valid])
    server, schema = postgres_url.split("?schema=")

    def stored() -> int:  # on a connection of its own: the cuts below would end a pooled one
        with psycopg.connect(server, application_name="casetrail-test-reader") as conn:
            return int(conn.execute(f'SELECT count(*) FROM "{schema}".casetrail_inbound').fetchone()[0])

    def views_caught_up() -> bool:
        with psycopg.connect(server, application_name="casetrail-test-reader") as conn:
            (last,) = conn.execute(f'SELECT max(notification_id) FROM "{schema}".casetrail_events').fetchone()
            positions = [p for (p,) in conn.execute(f'SELECT position FROM "{schema}".casetrail_tracking')]
        return len(positions) >= 3 and all(p == last for p in positions)  # the views, the detectors, the clocks

    with psycopg.connect(server, application_name="casetrail-test-reader") as conn:
        (began,) = conn.execute("SELECT now()").fetchone()
    consumed = bootstrap(Settings(database_url=postgres_url))
    stop = threading.Event()
    consumer = InboundConsumer(consumed, KafkaSettings(kafka_bootstrap, session_timeout_ms=SESSION_TIMEOUT_MS),
                               [topic], group=group, batch_size=100, stop=stop)
    worker = threading.Thread(target=consumer.run)
    worker.start()
    try:
        for cut in range(3):
            wait_for(lambda: stored() > 600 * (cut + 1) or not worker.is_alive(),  # noqa: B023 - called at once
                     60, "a few batches stored")
            # The consumer's connections and its follower's are cut mid-stream.
            with psycopg.connect(server, autocommit=True, application_name="casetrail-test-admin") as admin:
                (ended,) = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND application_name = %s "
                                         "AND backend_start >= %s", [application, began]).fetchone()
                assert ended > 0, "no connection of the consumer was cut"
        wait_for_offsets(kafka_bootstrap, group, topic, ends, 120)
        # The follower's connections were cut too: it reconnects and catches up by itself.
        wait_for(views_caught_up, 120, "the views and detectors to catch up")
    finally:
        stop.set()
        worker.join(timeout=60)
        consumer.close()
        consumed.close()
    assert not worker.is_alive()
    assert stored() == len(valid)
    checked = bootstrap(Settings(database_url=postgres_url))
    try:
        assert checked.view_store.query("SELECT count(*) FROM casetrail_events WHERE topic LIKE 'casetrail.domain.contact:%'"
                                        ) == [(len(valid),)]
        assert checked.catch_up() == 0
    finally:
        checked.close()
