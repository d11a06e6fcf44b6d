"""``casetrail relay`` against a real Kafka-protocol broker, killed and restarted mid-stream."""

from __future__ import annotations

import json
import random
import signal
import time
from itertools import pairwise

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.kafka.relay import POSITION_HEADER
from casetrail.adapters.settings import Settings
from tests.conftest import all_scenario_lines, inputs
from tests.integration.conftest import read_all, start_member, wait_for
from tests.test_exactly_once import contact_events

KILLS = 3


def test_a_relay_killed_mid_stream_publishes_every_position_with_duplicates_only_at_restarts(
    kafka_bootstrap: str, names: str, postgres_url: str
) -> None:
    topics = {"events": f"events-{names}", "cases": f"cases-{names}", "alerts": f"alerts-{names}"}
    arguments = ["--events-topic", topics["events"], "--cases-topic", topics["cases"],
                 "--alerts-topic", topics["alerts"], "--batch-size", "250"]
    system = bootstrap(Settings(database_url=postgres_url))
    try:
        lines = all_scenario_lines() + contact_events(6000)
        assert system.ingestion.ingest(inputs(lines), backfill=True).rejected == 0
        system.catch_up()
        log = system.ingestion.recorder.select_notifications(start=1, limit=1_000_000)
        last = log[-1].id

        def position() -> int:
            found = system.view_store.query("SELECT position FROM casetrail_tracking WHERE view = 'relay'")
            return int(found[0][0]) if found else 0

        chance = random.Random(3)
        for _ in range(KILLS):
            before = position()
            member = start_member("relay", postgres_url, kafka_bootstrap, *arguments)
            # wait_for calls the condition before the loop moves on: the loop variables are the current ones.
            wait_for(lambda: position() != before or member.poll() is not None,  # noqa: B023
                     60, "the relay to publish",
                     interval=0.02)
            time.sleep(chance.uniform(0, 0.3))
            member.send_signal(signal.SIGKILL)
            member.wait()
        assert 0 < position() < last, "every kill should land mid-stream"

        finisher = start_member("relay", postgres_url, kafka_bootstrap, *arguments)
        wait_for(lambda: position() == last, 120, "the relay to reach the end of the log")
        finisher.send_signal(signal.SIGTERM)
        assert finisher.wait(timeout=30) == 0

        published = read_all(kafka_bootstrap, topics["events"])
        seen: dict[int, dict[str, object]] = {}
        for partition in {p for p, *_ in published}:
            in_order = [r for r in published if r[0] == partition]
            positions = [int(dict(r[4])[POSITION_HEADER]) for r in in_order]
            # Going back happens only where a restart published a batch again.
            rewinds = sum(1 for before, after in pairwise(positions) if after <= before)
            assert rewinds <= KILLS
            for record, at in zip(in_order, positions):
                document = json.loads(record[3])
                assert document["position"] == at and record[2] == document["subject"].encode()
                assert seen.setdefault(at, document) == document  # a duplicate is the same message
        # De-duplicated by position, the topic is the log: every event once, in log order.
        assert [(at, seen[at]["subject"], seen[at]["id"]) for at in sorted(seen)] == [
            (n.id, str(n.originator_id), f"{n.originator_id}:{n.originator_version}") for n in log]

        latest: dict[str, dict[str, object]] = {}
        for record in read_all(kafka_bootstrap, topics["cases"]):
            change = json.loads(record[3])
            if change["position"] >= latest.get(change["case_id"], {}).get("position", 0):  # type: ignore[operator]
                latest[change["case_id"]] = change
        listed = {c["case_id"]: c for c in system.cases.list_cases()}
        assert {case_id: {k: v for k, v in change.items() if k in listed[case_id]}
                for case_id, change in latest.items()} == listed

        alerts = [json.loads(r[3]) for r in read_all(kafka_bootstrap, topics["alerts"])]
        reasons = {(a["case"] or {}).get("category"): set(a["reasons"]) for a in alerts if a["case"]}
        assert reasons["overbooking"] == {"proactive", "high_priority"}
        assert any(a["reasons"] == ["executive_escalation"] and a["event"]["type"] == "contact.escalated"
                   for a in alerts)
    finally:
        system.close()
