"""``casetrail relay``: the log, case changes and alerts published to Kafka.

The relay is a view whose "table" is the broker: it follows the log from its
own tracked position, and a batch's position is committed only after the
producer has flushed every message of the batch. A crash between the two
publishes the batch again, so downstream sees each position at least once and
duplicates only around restarts; every message carries its log position so a
consumer can drop what it has seen.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
import structlog
from eventsourcing.persistence import StoredEvent

from casetrail.adapters.kafka.topics import KafkaSettings, ensure_topics
from casetrail.adapters.storage.outages import FIRST_BACKOFF_S, next_backoff
from casetrail.projections.case_report import Row, case_summary, fold_case
from casetrail.projections.recorded import Recorded, instant, rfc3339
from casetrail.projections.timeline import entry_row, inbound_data
from casetrail.projections.view import View
from casetrail.services.view_runner import ViewRunner, decode

if TYPE_CHECKING:  # kafka is imported when a relay starts: the parser only needs RelayTopics from here
    from kafka.producer.future import FutureRecordMetadata

    from casetrail.adapters.bootstrap import System

log = structlog.get_logger("casetrail.relay")

POSITION_HEADER = "casetrail_position"
CLOUDEVENT = b"application/cloudevents+json"  # events: structured-mode CloudEvents
PLAIN_JSON = b"application/json"  # case summaries and alerts: casetrail's own documents (spec cases-v1.md)
ALERT_PRIORITIES = {"high", "critical"}
# A service-level clock past its warning share, or past its target (docs/sla.md).
SLA_ALERTS = {"sla.warning": "sla_warning", "sla.breached": "sla_breached"}


@dataclass(frozen=True)
class RelayTopics:
    events: str = "casetrail.events"
    cases: str = "casetrail.cases"
    alerts: str = "casetrail.alerts"


@dataclass(slots=True)
class Message:
    topic: str
    key: bytes
    value: dict[str, Any]
    headers: list[tuple[str, bytes]]


class Relay:
    def __init__(self, system: System, kafka: KafkaSettings, topics: RelayTopics = RelayTopics(),
                 batch_size: int = 2000, stop: threading.Event | None = None) -> None:
        self.system = system
        self.topics = topics
        from kafka import KafkaProducer

        from casetrail.adapters.kafka.partitioner import RememberingPartitioner

        self.stop = stop or threading.Event()
        ensure_topics(kafka, [topics.events, topics.cases, topics.alerts])
        self.producer = KafkaProducer(enable_idempotence=True, acks="all", linger_ms=5, batch_size=256 * 1024,
                                      partitioner=RememberingPartitioner(), **kafka.client_options())
        view = View(name="relay", version=1, schema=[], tables=[], write=self._publish, streams=True)
        self.runner = ViewRunner(system.ingestion.recorder, system.view_store, view, batch_size)
        self.published = 0

    def position(self) -> int:
        return self.runner.position()

    def run(self, idle_wait_s: float = 0.5) -> int:
        """Publish until ``stop`` is set, then return how many events were relayed."""
        from kafka.errors import KafkaError

        delay = FIRST_BACKOFF_S
        while not self.stop.is_set():
            try:
                # One batch at a time, so a stop request is honoured between batches.
                relayed = self.runner.catch_up(until=self.runner.position() + self.runner.batch_size)
            except KafkaError as error:
                # The batch's position was not committed: it is published again, whole.
                log.warning("broker did not take the batch; retrying", error=str(error), retry_in_s=delay)
                self.stop.wait(delay)
                delay = next_backoff(delay)
                continue
            delay = FIRST_BACKOFF_S
            if not relayed:
                self.stop.wait(idle_wait_s)
        return self.published

    def close(self) -> None:
        self.producer.close()

    def _publish(self, _cursor: Any, batch: Sequence[Recorded]) -> None:
        # Called inside the transaction that moves the relay's position: the
        # position commits only if every message below reached the broker.
        sent: list[FutureRecordMetadata] = [
            self.producer.send(message.topic, key=message.key, value=orjson.dumps(message.value),
                               headers=message.headers)
            for message in self.messages(batch)]
        self.producer.flush()
        for delivery in sent:  # flush() returns even when a message failed after its retries
            if delivery.failed():
                raise delivery.exception
        self.published += len(batch)
        log.info("batch relayed", events=len(batch), position=batch[-1].position)

    def messages(self, batch: Sequence[Recorded]) -> Iterator[Message]:
        cases = CaseHistory(self.system, [r for r in batch if _is_case_event(r) or _is_sla_alert(r)])
        for recorded in batch:
            stream = str(recorded.stream_id)
            position = (POSITION_HEADER, str(recorded.position).encode())
            occurred = occurred_text(recorded)
            yield Message(self.topics.events, stream.encode(), event_document(recorded, stream, occurred),
                          [("content-type", CLOUDEVENT), position])
            summary = cases.after(recorded)
            if summary is not None and _is_case_event(recorded):
                yield Message(self.topics.cases, summary["case_id"].encode(), case_change(recorded, summary, occurred),
                              [("content-type", PLAIN_JSON), position])
            alert = alert_document(recorded, summary, occurred)
            if alert is not None:
                key = summary["case_id"] if summary else stream
                yield Message(self.topics.alerts, key.encode(), alert, [("content-type", PLAIN_JSON), position])


def occurred_text(recorded: Recorded) -> str:
    """When the event occurred, as published: its CloudEvent's time, or when casetrail recorded it."""
    facts = recorded.provenance
    return rfc3339(instant(facts["occurred_at"])) if facts else rfc3339(recorded.recorded_at)


def exported_event(recorded: Recorded) -> dict[str, Any]:
    """A recorded event as the ``casetrail.events`` topic carries it (and ``GET /v1/events`` answers it)."""
    return event_document(recorded, str(recorded.stream_id), occurred_text(recorded))


def event_document(recorded: Recorded, stream: str, occurred: str) -> dict[str, Any]:
    """A recorded event as a structured CloudEvent, with casetrail's times and department.

    ``stream`` is its stream id as text, ``occurred`` its ``time`` as published.
    """
    facts = recorded.provenance or {}
    document = {
        "specversion": "1.0",
        "id": f"{stream}:{recorded.version}",
        "source": "casetrail",
        "type": facts.get("type", recorded.state.get("originator_topic", "")),
        "subject": stream,
        "time": occurred,
        "datacontenttype": "application/json",
        "position": recorded.position,
        "recordedat": rfc3339(recorded.recorded_at),
    }
    if facts:
        document.update({
            "reportedat": rfc3339(instant(facts["reported_at"])),
            "department": facts["department"],
            "originsource": facts["source"],
            "originid": facts["id"],
            **{name: facts[field] for name, field in (("actor", "actor"), ("actorrole", "role")) if facts.get(field)},
        })
    document["data"] = inbound_data(recorded.state)
    return document


def case_change(recorded: Recorded, summary: dict[str, Any], occurred: str) -> dict[str, Any]:
    facts = recorded.provenance or {}
    return {**summary, "change": facts.get("type"), "changed_at": occurred, "position": recorded.position}


def alert_document(recorded: Recorded, summary: dict[str, Any] | None, occurred: str) -> dict[str, Any] | None:
    """An alert while the customer may still be waiting: a case a detector opened
    before anyone called (proactive), a high or critical case, an executive escalation,
    a service-level clock past its warning share or its target."""
    facts = recorded.provenance or {}
    kind = facts.get("type")
    reasons = []
    if kind == "case.opened":
        if facts.get("role") == "detector":
            reasons.append("proactive")
        if recorded.state.get("priority") in ALERT_PRIORITIES:
            reasons.append(f"{recorded.state['priority']}_priority")
    if kind in ("case.escalated", "contact.escalated") and recorded.state.get("level") == "executive":
        reasons.append("executive_escalation")
    if kind in SLA_ALERTS:
        reasons.append(SLA_ALERTS[kind])
    if not reasons:
        return None
    data = inbound_data(recorded.state)
    sla = {"sla": {name: data[name] for name in ("policy", "policy_version", "metric", "cycle", "target_seconds",
                                                "elapsed_seconds")}} if kind in SLA_ALERTS else {}
    return {
        "reasons": reasons,
        "at": occurred,
        # A clock's alert goes to the department holding the case, not to casetrail that recorded it.
        "department": data["department"] if kind in SLA_ALERTS else facts.get("department"),
        "event": {"source": facts.get("source"), "id": facts.get("id"), "type": kind},
        "case": summary,
        "contact_ref": data.get("contact_ref"),
        "party_ref": data.get("party_ref"),
        "position": recorded.position,
        **sla,
    }


class CaseHistory:
    """Each case a batch changes, as its stored events make it after each change.

    Read from the log, not from the views, so the relay never waits for them
    and a case message says exactly what the position it carries made of the case.
    """

    def __init__(self, system: System, case_events: list[Recorded]) -> None:
        ids = sorted({r.stream_id for r in case_events if r.stream_id is not None})
        streams = system.ingestion.ledger.select_streams(ids) if ids else {}
        self.rows: dict[UUID, list[Row]] = {
            stream_id: [row for row in map(_row, stored_events) if row is not None]
            for stream_id, stored_events in streams.items()
        }

    def after(self, recorded: Recorded) -> dict[str, Any] | None:
        """The case's summary once ``recorded`` applied; None for any other event, or a case not opened yet."""
        case_ref = recorded.state.get("case_ref")
        if recorded.stream_id not in self.rows or not case_ref:
            return None
        rows = [r for r in self.rows[recorded.stream_id] if r.position <= recorded.version]
        state = fold_case(case_ref, rows)
        return case_summary(state) if state.opened_at is not None else None


def _row(stored: StoredEvent) -> Row | None:
    # Within one case the version orders events as their log positions would.
    values = entry_row(Recorded(stored.originator_version, decode(stored)))
    return Row(*values) if values is not None else None


def _is_sla_alert(recorded: Recorded) -> bool:
    facts = recorded.provenance
    return facts is not None and facts.get("type") in SLA_ALERTS


def _is_case_event(recorded: Recorded) -> bool:
    facts = recorded.provenance
    return facts is not None and str(facts.get("type", "")).startswith("case.")
