"""Three ``casetrail consume`` processes in one group on a six-partition topic store what one does,
and a member killed in the middle of the work loses and duplicates nothing."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.integration.conftest import SESSION_TIMEOUT_MS, produce, start_member, wait_for, wait_for_offsets
from tests.integration.test_kafka_consume import STRUCTURED, Record, reports, scenario_records
from tests.test_exactly_once import contact_events

PARTITIONS = 6


@pytest.fixture
def one_member_store(postgres_url: str) -> Iterator[str]:
    """A second schema beside ``postgres_url``'s, for the run of a single member."""
    base, _, schema = postgres_url.partition("?schema=")
    yield f"{base}?schema={schema}_one"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_one" CASCADE')  # type: ignore[call-overload]


def make_topic(bootstrap: str, topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        admin.close()


def records() -> list[Record]:
    # The samples keyed by their subject, and contacts of many parties keyed by nothing (spread).
    return [*scenario_records(), *((None, line, STRUCTURED) for line in contact_events(3_000))]


def consume_to_the_end(bootstrap: str, database_url: str, topic: str, group: str, ends: dict[int, int],
                       members: int, kill_one: bool) -> None:
    arguments = ["--topic", topic, "--group", group, "--batch-size", "200",
                 "--session-timeout-ms", str(SESSION_TIMEOUT_MS)]
    started = [start_member("consume", database_url, bootstrap, *arguments) for _ in range(members)]
    try:
        if kill_one:
            system = bootstrap_of(database_url)
            try:
                def stored() -> int:
                    return sum(system.ingestion.ledger.accepted_counts().values())

                wait_for(lambda: stored() > 600, 120, "the group to store a few batches")
                started[0].send_signal(signal.SIGKILL)  # its partitions go to the others at the rebalance
                started[0].wait()
                assert stored() < sum(ends.values()), "the kill should land before the end of the input"
            finally:
                system.close()
        wait_for_offsets(bootstrap, group, topic, ends, 180)
    finally:
        for member in started[1 if kill_one else 0:]:
            member.send_signal(signal.SIGTERM)
        for member in started[1 if kill_one else 0:]:
            assert member.wait(timeout=60) == 0, _stderr(member)


def bootstrap_of(database_url: str) -> Any:
    return bootstrap(Settings(database_url=database_url))


def _stderr(member: subprocess.Popen[bytes]) -> str:
    return member.stderr.read().decode() if member.stderr else ""


def outcome(database_url: str) -> tuple[Any, ...]:
    """What a store holds, apart from when it received it: the inbound keys, the cases, the reports."""
    system = bootstrap_of(database_url)
    try:
        system.catch_up()
        keys = system.view_store.query("SELECT source, id, type, body_hash FROM casetrail_inbound ORDER BY source, id")
        # A case's links are recorded as often as a catch-up finds new ones, so their count follows when
        # the views caught up against arrivals; what each case links is compared in the reports.
        events = system.view_store.query(
            "SELECT count(*) FROM casetrail_events WHERE topic <> 'casetrail.domain.case:Case.Linked'")
        detector_events = system.view_store.query(
            "SELECT topic, count(*) FROM casetrail_events WHERE topic LIKE 'casetrail.domain.case:%' "
            "AND topic <> 'casetrail.domain.case:Case.Linked' GROUP BY topic ORDER BY topic")
        # Less the log position it was read at: the stores hold the same events in other orders.
        weekly = {k: v for k, v in system.reports.report("weekly").items() if k != "position"}
        return keys, events, detector_events, reports(system), weekly, system.ingestion.ledger.rejected_inputs()
    finally:
        system.close()


def test_three_members_of_a_group_store_what_one_does_though_one_is_killed(
    kafka_bootstrap: str, names: str, postgres_url: str, one_member_store: str
) -> None:
    topic = f"inbound-{names}"
    make_topic(kafka_bootstrap, topic)
    ends = produce(kafka_bootstrap, topic, records())
    assert len(ends) == PARTITIONS  # every partition has work

    consume_to_the_end(kafka_bootstrap, one_member_store, topic, f"one-{names}", ends, members=1, kill_one=False)
    consume_to_the_end(kafka_bootstrap, postgres_url, topic, f"three-{names}", ends, members=3, kill_one=True)

    alone, together = outcome(one_member_store), outcome(postgres_url)
    assert len(alone[0]) == len(records())
    assert together == alone
