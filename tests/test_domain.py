"""Aggregate rules that hold whatever order facts arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from casetrail.domain.case import Case
from casetrail.domain.inventory import Inventory
from casetrail.domain.model import Provenance

NOW = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)


def facts(source_id: str, body_hash: str = "h") -> Provenance:
    return Provenance(source="helpdesk:zendesk", id=source_id, type="case.factor_added", occurred_at=NOW,
                      reported_at=NOW, received_at=NOW, department="front_office", body_hash=body_hash)


def factor(**decision: str) -> dict[str, object]:
    """A case's factor, as added by a lead (no decision) or decided on (a rationale)."""
    found = {"case_ref": "FO-1", "code": "late_ack", "department": "front_office"}
    return {**found, **decision} if decision else {**found, "explanation": "ack 40 min late", "evidence": []}


def test_a_stream_may_start_with_any_of_its_events() -> None:
    case = Case.record(None, uuid4(), Case.FactorAdded, provenance=facts("1"), **factor())
    assert case.version == 1 and case.factors == {("late_ack", "front_office", ""): "confirmed"}
    replayed = None
    for event in case.collect_events():
        replayed = event.mutate(replayed)
    assert replayed == case


def test_facts_appended_by_their_head_replay_into_the_same_aggregate_as_recorded_ones() -> None:
    stream = uuid4()
    first = Case.next_fact(stream, 0, Case.FactorAdded, provenance=facts("1"), **factor())
    second = Case.next_fact(stream, 1, Case.FactorRejected, provenance=facts("2"), **factor(rationale="on time"))
    assert (first.originator_version, second.originator_version) == (1, 2)
    assert first.originator_topic == "casetrail.domain.case:Case" and second.originator_topic is None
    recorded = Case.record(None, stream, Case.FactorAdded, provenance=facts("1"), **factor())
    Case.record(recorded, stream, Case.FactorRejected, provenance=facts("2"), **factor(rationale="on time"))
    replayed = second.mutate(first.mutate(None))
    assert replayed.version == recorded.version == 2
    assert replayed.factors == recorded.factors == {("late_ack", "front_office", ""): "rejected"}


def test_a_fact_that_does_not_fit_its_event_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="available"):
        Inventory.next_fact(uuid4(), 0, Inventory.AvailabilitySet, provenance=facts("1"),
                            resource="seaside:standard", night=date(2024, 6, 21), available="four")
