"""Every inbound type is stored with its CloudEvent's facts and read back intact."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from casetrail.domain import ids
from casetrail.domain.booking import Booking, BookingChanges
from casetrail.domain.catalogue import ACCEPTED
from casetrail.services.ingestion import Ingestion
from tests.conftest import all_scenario_lines, inputs


def stored_events(app: Ingestion) -> list[Any]:
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    return [app.mapper.to_domain_event(n) for n in notifications]


def make(event_type: str, data: dict[str, Any], **attributes: Any) -> bytes:
    document = {"specversion": "1.0", "id": f"id-{event_type}", "source": "pms:seaside", "type": event_type,
                "time": "2024-06-03T13:00:00+07:00", "data": data, **attributes}
    return json.dumps(document).encode()


EXAMPLES = {
    "booking.created": {"booking_ref": "B-1", "resource": "seaside:standard", "date": "2024-06-21", "nights": 2,
                        "units": 1, "channel": "ota:booking.com", "guest_ref": "g-1", "amount": "120.50",
                        "currency": "EUR"},
    "booking.modified": {"booking_ref": "B-1", "changes": {"nights": 3, "date": "2024-06-22"}, "reason": "guest"},
    "booking.cancelled": {"booking_ref": "B-1", "reason": "guest"},
    "booking.checked_in": {"booking_ref": "B-1"},
    "booking.no_show": {"booking_ref": "B-1"},
    "booking.relocated": {"booking_ref": "B-1", "to": "harbour-view", "reason": "overbooked"},
    "payment.failed": {"attempt_ref": "A-1", "guest_ref": "g-1", "booking_ref": "B-1", "reason": "card_declined",
                       "amount": "99.00", "currency": "USD"},
    "payment.succeeded": {"attempt_ref": "A-2", "guest_ref": "g-1"},
    "inventory.set": {"resource": "seaside:standard", "date": "2024-06-21", "available": 4},
    "inventory.closed": {"resource": "seaside:standard", "from": "2024-06-21", "to": "2024-06-23", "channels": ["*"]},
    "inventory.opened": {"resource": "seaside:standard", "from": "2024-06-22", "to": "2024-06-22",
                         "channels": ["ota:booking.com"]},
    "inventory.acknowledged": {"update_id": "id-inventory.closed", "channel": "ota:booking.com"},
    "contact.started": {"contact_ref": "C-1", "party_ref": "g-1", "medium": "phone", "direction": "inbound",
                        "topic": "refund", "booking_ref": "B-1", "case_ref": "K-1"},
    "contact.held": {"contact_ref": "C-1", "seconds": 120},
    "contact.transferred": {"contact_ref": "C-1", "to_department": "billing", "reason": "refunds"},
    "contact.escalated": {"contact_ref": "C-1", "level": "supervisor"},
    "contact.ended": {"contact_ref": "C-1", "outcome": "resolved"},
    "procedure.step": {"procedure": "phone_booking", "step": "read_back", "booking_ref": "B-1"},
    "case.opened": {"case_ref": "K-1", "category": "payment", "summary": "refund", "party_ref": "g-1",
                    "booking_ref": "B-1", "priority": "high"},
    "case.assigned": {"case_ref": "K-1", "department": "billing", "agent": "ana"},
    "case.categorized": {"case_ref": "K-1", "category": "terms"},
    "case.escalated": {"case_ref": "K-1", "level": "manager"},
    "case.factor_added": {"case_ref": "K-1", "code": "rate_miscommunicated", "department": "sales",
                          "explanation": "wrong rate", "evidence": [{"source": "pms:seaside", "id": "x"}]},
    "case.resolved": {"case_ref": "K-1", "resolution": "refunded"},
    "case.reopened": {"case_ref": "K-1", "reason": "refund bounced"},
    "case.closed": {"case_ref": "K-1"},
}


def test_the_examples_cover_every_inbound_type() -> None:
    assert set(EXAMPLES) == set(ACCEPTED)


def test_every_inbound_type_round_trips_with_its_cloudevent_facts(ingestion: Ingestion) -> None:
    lines = [make(t, data, actor="lusia", actorrole="agent", reportedat="2024-06-03T13:05:00+07:00", traceid="t-9")
             for t, data in EXAMPLES.items()]
    counts = ingestion.ingest(inputs(lines))
    assert (counts.accepted, counts.duplicates, counts.rejected) == (len(EXAMPLES), 0, 0)

    by_type: dict[str, list[Any]] = {}
    for event in stored_events(ingestion):
        by_type.setdefault(event.provenance.type, []).append(event)
    assert set(by_type) == set(EXAMPLES)
    for event_type, events in by_type.items():
        for event in events:
            facts = event.provenance
            assert (facts.source, facts.id) == ("pms:seaside", f"id-{event_type}")
            assert facts.occurred_at == datetime.fromisoformat("2024-06-03T13:00:00+07:00")
            assert facts.reported_at == datetime.fromisoformat("2024-06-03T13:05:00+07:00")
            assert (facts.department, facts.actor, facts.role) == ("front_office", "lusia", "agent")
            assert facts.extensions == {"traceid": "t-9"}
            assert event.timestamp.tzinfo is not None


def test_the_data_fields_survive_storage(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs([make(t, d) for t, d in EXAMPLES.items()]))
    events = {e.provenance.type: e for e in stored_events(ingestion)}
    created = events["booking.created"]
    assert (created.booking_ref, created.resource, str(created.date), created.nights) == (
        "B-1", "seaside:standard", "2024-06-21", 2)
    assert str(created.amount) == "120.50"
    # The changes read back as the contract's model, from the same stored JSON as before.
    assert events["booking.modified"].changes == BookingChanges(nights=3, date=date(2024, 6, 22))
    assert events["case.factor_added"].evidence[0].id == "x"
    assert events["inventory.acknowledged"].update_id == "id-inventory.closed"


def test_a_stop_sell_is_recorded_on_every_night_it_covers(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs([make("inventory.closed", EXAMPLES["inventory.closed"])]))
    nights = sorted(str(e.night) for e in stored_events(ingestion))
    assert nights == ["2024-06-21", "2024-06-22", "2024-06-23"]


def test_department_comes_from_the_source_when_the_event_names_none(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs(all_scenario_lines()))
    departments = {(e.provenance.source, e.provenance.id): e.provenance.department for e in stored_events(ingestion)}
    assert departments[("ota:booking.com", "bcom-8841")] == "ota_partner"  # no department given: by source
    assert departments[("web:checkout", "pay-1")] == "ecommerce"
    assert departments[("pms:harbour", "pms-g77-mod")] == "sales"  # given by the event


def test_a_pms_event_without_a_department_belongs_to_front_office(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs([make("booking.checked_in", {"booking_ref": "B-9"})]))
    [event] = stored_events(ingestion)
    assert event.provenance.department == "front_office"


def test_reported_at_defaults_to_the_receipt_time(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs([make("booking.checked_in", {"booking_ref": "B-9"})]))
    [event] = stored_events(ingestion)
    assert event.provenance.reported_at == event.provenance.received_at


def test_aggregates_rebuild_from_the_stored_events(ingestion: Ingestion) -> None:
    ingestion.ingest(inputs(all_scenario_lines()))
    created, relocated = ingestion.events.get(ids.booking_id("B-8841"))
    assert isinstance(created, Booking.Created) and created.channel == "ota:booking.com"
    assert isinstance(relocated, Booking.Relocated)
    booking = ingestion.repository.get(ids.booking_id("B-8841"))
    assert isinstance(booking, Booking) and booking.version == 2
