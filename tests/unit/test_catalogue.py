"""The event catalogue (``domain.catalogue``): one entry per type, and everything reads it.

A made-up type registered here, with nothing else edited, is parsed, routed to
its stream, stored, indexed on the timeline with its subjects and summary, and
looked at by the detectors' scope.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from casetrail.domain import ids
from casetrail.domain.booking import Booking
from casetrail.domain.catalogue import (
    ACCEPTED,
    BOOKING,
    CATALOGUE,
    NIGHT,
    EventType,
    Landing,
    NightsNamed,
    Subjects,
)
from casetrail.domain.contact import Contact
from casetrail.domain.inventory import Inventory
from casetrail.domain.values import Data, Date, Nights, Ref
from casetrail.projections.sla import KINDS as SLA_KINDS
from casetrail.projections.timeline import inbound_data
from casetrail.services.detection import Scope, _widen
from casetrail.services.event_mapper import JSONTranscoder, PydanticMapper
from casetrail.services.parsing import Invalid, parse_event, validate_event
from casetrail.services.routing import targets
from casetrail.services.view_runner import decode
from tests.test_inbound_types import EXAMPLES, make
from tests.unit.rows import Log, at

REPOSITORY = Path(__file__).resolve().parents[2]
# The contract as published beside the repository, and the copy the tests keep of it, so that
# they run the same in a checkout that has no shared/ beside it.
PUBLISHED_SPEC = REPOSITORY.parent / "shared" / "spec" / "ingest-v1.md"
SPEC = REPOSITORY / "tests" / "data" / "spec" / "ingest-v1.md"
SAMPLES = REPOSITORY / "adapters" / "samples"
MAPPER = PydanticMapper(transcoder=JSONTranscoder())


def test_the_kept_contract_is_the_published_one() -> None:
    if PUBLISHED_SPEC.exists():
        assert SPEC.read_text() == PUBLISHED_SPEC.read_text(), "copy shared/spec/ingest-v1.md into tests/data/spec"


def spec_types() -> set[str]:
    types_section = SPEC.read_text().split("## Types", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", types_section, re.MULTILINE))


def sample_events() -> list[dict[str, Any]]:
    return [orjson.loads(line) for path in sorted(SAMPLES.glob("*.jsonl"))
            for line in path.read_bytes().splitlines() if line.strip()]


def stored_provenance(event_type: str = "booking.upgraded") -> dict[str, Any]:
    moment = "2024-06-03T13:00:00+07:00"
    return {"source": "pms:seaside", "id": "e-1", "type": event_type, "occurred_at": moment, "reported_at": moment,
            "received_at": moment, "department": "front_office", "body_hash": "0" * 64}


def stored_states(event_type: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The states an event of ``event_type`` is stored with, as a view decodes them."""
    parsed = validate_event(orjson.loads(make(event_type, data)))
    assert not isinstance(parsed, Invalid), parsed.reason
    states = []
    for target in targets(event_type, parsed.data):
        fact = target.aggregate_class.next_fact(target.aggregate_id, 0, target.event_class,
                                                provenance=stored_provenance(event_type), **target.fields)
        states.append(decode(MAPPER.to_stored_event(fact)))
    return states


def test_every_type_of_the_contract_has_an_entry_and_no_other_is_accepted() -> None:
    assert set(ACCEPTED) == spec_types()


def test_the_catalogue_names_each_type_once_and_lands_each_on_a_stream() -> None:
    assert len(CATALOGUE) == len({entry.name for entry in CATALOGUE.values()})
    assert all(entry.lands_on for entry in CATALOGUE.values())
    recorded_only = {name for name, entry in CATALOGUE.items() if not entry.accepted}
    assert recorded_only == {"case.linked", "case.factor_proposed", "case.factor_confirmed", "case.factor_rejected",
                             "party.erased", *(f"sla.{kind}" for kind in SLA_KINDS)}


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: f"{e['source']}#{e['id']}")
def test_every_sample_event_parses_with_its_entrys_model(event: dict[str, Any]) -> None:
    entry = ACCEPTED[event["type"]]
    assert entry.data.model_validate(event["data"]).model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_every_type_reads_back_as_the_contract_names_its_data(event_type: str) -> None:
    """What is stored under the model's own field names comes back under the contract's, whatever
    streams it landed on (a stop-sell on each of its nights, a step on its booking and contact)."""
    sent = ACCEPTED[event_type].data.model_validate(EXAMPLES[event_type])
    expected = sent.model_dump(mode="json", by_alias=True, exclude_none=True)
    copies = [inbound_data(state) for state in stored_states(event_type, EXAMPLES[event_type])]
    assert copies and all(copy[key] == value for copy in copies for key, value in expected.items() if key in copy)
    named = {key for copy in copies for key in copy}
    assert expected.keys() <= named
    # A case's factor events tell factors apart by a subject, empty for one named from outside.
    assert named - expected.keys() == ({"subject"} if event_type == "case.factor_added" else set())


def test_inventory_events_keep_the_field_names_they_were_always_stored_with() -> None:
    [state] = stored_states("inventory.set", EXAMPLES["inventory.set"])
    assert {"resource", "night", "available"} <= state.keys() and "date" not in state
    states = stored_states("inventory.closed", EXAMPLES["inventory.closed"])
    assert [s["night"] for s in states] == ["2024-06-21", "2024-06-22", "2024-06-23"]
    assert all((s["from_date"], s["to_date"]) == ("2024-06-21", "2024-06-23") and "from" not in s for s in states)


def test_a_step_is_stored_on_each_stream_it_names_with_that_streams_subject_only() -> None:
    both = {"procedure": "phone_booking", "step": "read_back", "booking_ref": "B-1", "contact_ref": "C-1"}
    parsed = validate_event(orjson.loads(make("procedure.step", both)))
    assert not isinstance(parsed, Invalid)
    found = targets("procedure.step", parsed.data)
    assert [(t.event_class, t.aggregate_id, t.fields) for t in found] == [
        (Booking.ProcedureStepRecorded, ids.booking_id("B-1"),
         {"procedure": "phone_booking", "step": "read_back", "booking_ref": "B-1"}),
        (Contact.ProcedureStepRecorded, ids.contact_id("C-1"),
         {"procedure": "phone_booking", "step": "read_back", "contact_ref": "C-1"}),
    ]


def test_nights_are_named_by_the_entrys_fields() -> None:
    created, modified = CATALOGUE["booking.created"], CATALOGUE["booking.modified"]
    assert created.nights_named({"resource": "r", "date": "2024-06-30", "nights": 2}) == ("r", "2024-06-30", "2024-07-01")
    assert created.nights_named({"resource": "r", "date": "2024-06-30"}) == ("r", "2024-06-30", "2024-06-30")
    assert modified.nights_named({"changes": {"date": "2024-06-30"}}) == (None, "2024-06-30", "2024-06-30")
    assert modified.nights_named({"changes": {"nights": 3}}) == (None, None, None)
    assert CATALOGUE["inventory.set"].nights_named({"resource": "r", "date": "2024-06-30"}) == (
        "r", "2024-06-30", "2024-06-30")
    assert CATALOGUE["inventory.closed"].nights_named({"resource": "r", "from": "2024-06-30", "to": "2024-07-02"}) == (
        "r", "2024-06-30", "2024-07-02")
    assert CATALOGUE["contact.held"].nights_named({"contact_ref": "C-1", "seconds": 4}) == (None, None, None)


# A made-up type: an upgrade of a booking to another room for some nights.
class BookingUpgraded(Data):
    booking_ref: Ref
    guest_ref: Ref
    resource: Ref
    first_night: Date
    nights: Nights = 1


class Upgraded(BookingUpgraded, Booking.Fact):
    pass


UPGRADED = EventType(
    "booking.upgraded", BookingUpgraded, (Landing(BOOKING, Upgraded),),
    lambda d: f"booking {d['booking_ref']} upgraded to {d['resource']}",
    Subjects(booking="booking_ref", party="guest_ref",
             nights=NightsNamed(resource="resource", first="first_night", count="nights")),
    frozenset({"nights", "rebooked"}),
)


@pytest.fixture
def upgraded(monkeypatch: pytest.MonkeyPatch) -> EventType:
    monkeypatch.setitem(CATALOGUE, UPGRADED.name, UPGRADED)
    monkeypatch.setitem(ACCEPTED, UPGRADED.name, UPGRADED)
    return UPGRADED


UPGRADE = {"booking_ref": "B-7", "guest_ref": "g-7", "resource": "seaside:suite", "first_night": "2024-06-21",
           "nights": 2}


def test_a_type_unknown_to_the_catalogue_is_refused() -> None:
    parsed = parse_event(make("booking.upgraded", UPGRADE))
    assert parsed == Invalid("type: unknown event type 'booking.upgraded'")


def test_a_made_up_type_is_parsed_checked_routed_stored_and_summarised_from_its_entry_alone(
        upgraded: EventType) -> None:
    wrong = parse_event(make("booking.upgraded", {**UPGRADE, "nights": 0}))
    assert isinstance(wrong, Invalid) and wrong.reason.startswith("data.nights: input should be greater than")

    row = Log().event("booking.upgraded", "up-1", at("10:00"), UPGRADE)
    assert (row.type, row.summary) == ("booking.upgraded", "booking B-7 upgraded to seaside:suite")
    assert (row.booking_ref, row.party_ref, row.contact_ref, row.case_ref) == ("B-7", "g-7", None, None)
    assert (row.resource, row.night_from, row.night_to) == ("seaside:suite", "2024-06-21", "2024-06-22")
    assert row.data == UPGRADE

    parsed = parse_event(make("booking.upgraded", UPGRADE))
    assert not isinstance(parsed, Invalid)
    [target] = targets("booking.upgraded", parsed.data)
    assert (target.aggregate_class, target.aggregate_id, target.event_class) == (
        Booking, ids.booking_id("B-7"), Upgraded)
    fact = Booking.next_fact(target.aggregate_id, 0, Upgraded, provenance=stored_provenance(), **target.fields)
    read_back = MAPPER.to_domain_event(MAPPER.to_stored_event(fact))
    assert isinstance(read_back, Upgraded) and read_back.first_night == date(2024, 6, 21)


def test_the_detectors_look_at_a_made_up_type_for_its_concerns(upgraded: EventType) -> None:
    row = Log().event("booking.upgraded", "up-1", at("10:00"), UPGRADE)
    scope = Scope()
    _widen(scope, [("pms:seaside", row.type, row.booking_ref, row.contact_ref, row.party_ref, row.resource,
                    row.night_from, row.night_to, row.update_id)])
    assert scope.nights == {("seaside:suite", "2024-06-21"), ("seaside:suite", "2024-06-22")}
    assert (scope.rebooked, scope.bookings, scope.payers) == ({"B-7"}, {"B-7"}, set())


def test_an_entry_without_nights_or_concerns_widens_the_scope_by_its_booking_only() -> None:
    log = Log()
    row = log.event("booking.checked_in", "in-1", at("10:00"), {"booking_ref": "B-1"})
    scope = Scope()
    _widen(scope, [("pms:seaside", row.type, row.booking_ref, None, None, None, None, None, None)])
    assert (scope.bookings, scope.nights, scope.rebooked) == ({"B-1"}, set(), set())


def test_a_per_night_landing_makes_one_target_per_night() -> None:
    parsed = validate_event(orjson.loads(make("inventory.opened", EXAMPLES["inventory.closed"])))
    assert not isinstance(parsed, Invalid)
    found = targets("inventory.opened", parsed.data)
    nights = [date(2024, 6, 21), date(2024, 6, 22), date(2024, 6, 23)]
    assert [t.fields["night"] for t in found] == nights
    assert [t.aggregate_id for t in found] == [ids.inventory_id("seaside:standard", night) for night in nights]
    assert {(t.aggregate_class, t.event_class) for t in found} == {(NIGHT.aggregate, Inventory.Opened)}
    assert all(t.fields.keys() == {"resource", "night", "from_date", "to_date", "channels"} for t in found)


def test_rows_of_a_type_only_the_case_desk_records_name_its_case_and_first_party() -> None:
    row = Log().casetrail("case.linked", "K-1", "K-1:linked", at("10:00"), party_refs=["g-2", "g-3"],
                          booking_refs=["B-1"])
    assert (row.case_ref, row.party_ref, row.booking_ref) == ("K-1", "g-2", None)
    assert row.summary == "linked booking B-1, party g-2, g-3"
