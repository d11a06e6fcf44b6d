"""What a person reads about a case is right: its status, its customer effort,
whether it was proactive, and the times in its explanations."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import UTC, datetime
from itertools import permutations
from typing import Any

import pytest

from casetrail.adapters.bootstrap import System
from casetrail.domain.errors import CaseStateError
from casetrail.projections.case_report import Row
from casetrail.projections.findings import clock
from tests.conftest import all_scenario_lines, inputs, lines_of, load


def event(kind: str, event_id: str, time: str, data: dict[str, Any], source: str = "helpdesk:zendesk",
          **attributes: str) -> bytes:
    return json.dumps({"specversion": "1.0", "id": event_id, "source": source, "type": kind, "time": time,
                       "data": data, **attributes}).encode()


def arriving_one_by_one(system: System, lines: list[bytes]) -> None:
    """Each line in a batch of its own, so the log holds them in this order."""
    for line in lines:
        assert system.ingestion.ingest(inputs([line]), backfill=True).rejected == 0
    system.catch_up()


def detected(system: System, prefix: str) -> dict[str, Any]:
    [case] = [c for c in system.cases.list_cases() if c["case_ref"].startswith(prefix)]
    return system.cases.case_report(case["case_ref"])


# --- one lifecycle order ----------------------------------------------------------------------------------

def lifecycle(case_ref: str, *changes: tuple[str, str]) -> dict[str, bytes]:
    """A helpdesk case opened at 09:00 and its status changes, by id."""
    made = {f"{case_ref}-o": event("case.opened", f"{case_ref}-o", "2024-05-02T09:00:00+02:00",
                                   {"case_ref": case_ref, "category": "other", "summary": "s"})}
    for kind, at in changes:
        data = {"case_ref": case_ref, **({"resolution": "done"} if kind == "resolved" else {})}
        made[f"{case_ref}-{kind}-{at}"] = event(f"case.{kind}", f"{case_ref}-{kind}-{at}",
                                                f"2024-05-02T{at}:00+02:00", data, actorrole="lead")
    return made


def test_a_reopening_that_arrives_before_the_resolution_it_follows_leaves_the_case_open(system: System) -> None:
    events = lifecycle("ZD-R1", ("resolved", "10:00"), ("reopened", "11:00"))
    arriving_one_by_one(system, [events["ZD-R1-o"], events["ZD-R1-reopened-11:00"], events["ZD-R1-resolved-10:00"]])
    assert system.cases.case_report("ZD-R1")["status"] == "open"
    with pytest.raises(CaseStateError, match="open already"):
        system.desk.change("ZD-R1", "reopened", by="lead-7")
    system.desk.change("ZD-R1", "resolved", by="lead-7", resolution="refunded")
    system.catch_up()
    assert system.cases.case_report("ZD-R1")["status"] == "resolved"


STORIES = {  # the changes, and the status their occurrence order leaves
    "resolved, reopened": ([("resolved", "10:00"), ("reopened", "11:00")], "open"),
    "resolved, closed, reopened": ([("resolved", "10:00"), ("closed", "11:00"), ("reopened", "12:00")], "open"),
    "reopened, resolved": ([("reopened", "10:00"), ("resolved", "11:00")], "resolved"),
    "resolved, reopened, closed": ([("resolved", "10:00"), ("reopened", "11:00"), ("closed", "12:00")], "closed"),
}


@pytest.mark.parametrize("story", STORIES)
def test_in_every_arrival_order_the_desk_decides_on_the_status_the_report_shows(system: System, story: str) -> None:
    changes, expected = STORIES[story]
    orders = list(permutations(changes))
    for n, order in enumerate(orders):
        events = lifecycle(f"ZD-P{n}", *changes)
        arriving_one_by_one(system, [events[f"ZD-P{n}-o"], *(events[f"ZD-P{n}-{k}-{c}"] for k, c in order)])
    for n in range(len(orders)):
        case_ref = f"ZD-P{n}"
        assert system.cases.case_report(case_ref)["status"] == expected, orders[n]
        for change in REFUSED[expected]:  # a refusal records nothing, so each is tried on the same case
            with pytest.raises(CaseStateError):
                system.desk.change(case_ref, change, by="lead-7", **FIELDS.get(change, {}))
        system.desk.change(case_ref, ACCEPTED[expected], by="lead-7", **FIELDS.get(ACCEPTED[expected], {}))


REFUSED = {"open": ["reopened"], "resolved": ["resolved"], "closed": ["resolved", "closed"]}
ACCEPTED = {"open": "resolved", "resolved": "reopened", "closed": "reopened"}
FIELDS = {"resolved": {"resolution": "done"}}


# --- customer effort is the customer's ---------------------------------------------------------------------

def test_a_leads_analysis_recorded_today_is_not_the_customers_time(system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl"))
    case = detected(system, "OVB")
    # From the case's opening at 11:24 (the sale over the stop-sell) to the end of the email at 13:05.
    assert case["effort"]["elapsed_seconds"] == 6060
    system.desk.decide(case["case_ref"], "stop_sell_not_honoured", True, by="lead-7", rationale="the ack is there")
    system.desk.add_factor(case["case_ref"], "relocation_late", "front_office", "the guest waited",
                           [("pms:seaside", "fo-reloc-8841")], by="lead-7")
    system.catch_up()
    after = system.cases.case_report(case["case_ref"])
    assert {"case.factor_confirmed", "case.factor_added"} <= {e["type"] for e in after["timeline"]}
    assert after["effort"] == case["effort"]


def test_a_helpdesks_own_analysis_is_not_the_customers_time_either(system: System) -> None:
    load(system, lines_of("05-booking-blamed-on-first-contact.jsonl"))
    # Opened 15:30 on 15 March, resolved 11:00 the next day; the lead's factor (18:00) and the
    # detector's proposal of a step missed on 4 March are analysis, not the customer's wait.
    assert system.cases.case_report("ZD-9001")["effort"]["elapsed_seconds"] == (19 * 60 + 30) * 60


# --- proactive means one thing ------------------------------------------------------------------------------

def test_a_helpdesk_case_an_agent_opened_with_no_contact_on_record_is_not_proactive(system: System) -> None:
    load(system, lines_of("05-booking-blamed-on-first-contact.jsonl"))
    assert system.cases.case_report("ZD-9001")["proactive"] is False


def test_the_payment_rescue_is_proactive_and_the_complaint_after_twenty_contacts_is_not(system: System) -> None:
    load(system, lines_of("02-proactive-payment-rescue.jsonl") + lines_of("04-twenty-contacts-nine-weeks.jsonl"))
    assert detected(system, "PAY")["proactive"] is True
    assert detected(system, "SVC")["proactive"] is False


def test_an_agent_who_reaches_out_before_the_party_calls_opened_a_proactive_case(system: System) -> None:
    opened = event("case.opened", "zd-o1", "2024-05-02T09:00:00+02:00",
                   {"case_ref": "ZD-O1", "category": "other", "summary": "s", "party_ref": "g-1"})
    called = event("contact.started", "call-o1", "2024-05-02T09:05:00+02:00",
                   {"contact_ref": "C-O1", "party_ref": "g-1", "medium": "phone", "direction": "outbound",
                    "case_ref": "ZD-O1"}, source="phone:pbx")
    called_back = event("contact.started", "call-o2", "2024-05-02T10:00:00+02:00",
                        {"contact_ref": "C-O2", "party_ref": "g-1", "medium": "phone", "direction": "inbound",
                         "case_ref": "ZD-O1"}, source="phone:pbx")
    load(system, [opened, called, called_back])
    assert system.cases.case_report("ZD-O1")["proactive"] is True


def test_a_case_opened_after_the_party_called_is_not_proactive(system: System) -> None:
    called = event("contact.started", "call-i1", "2024-05-02T08:55:00+02:00",
                   {"contact_ref": "C-I1", "party_ref": "g-2", "medium": "phone", "direction": "inbound",
                    "case_ref": "ZD-I1"}, source="phone:pbx")
    opened = event("case.opened", "zd-i1", "2024-05-02T09:00:00+02:00",
                   {"case_ref": "ZD-I1", "category": "other", "summary": "s", "party_ref": "g-2"})
    load(system, [called, opened])
    assert system.cases.case_report("ZD-I1")["proactive"] is False


# --- times say their zone -----------------------------------------------------------------------------------

def in_utc(lines: list[bytes]) -> list[bytes]:
    """The same events, their times given in UTC."""
    moved = []
    for line in lines:
        document = json.loads(line)
        for name in ("time", "reportedat"):
            if name in document:
                moment = datetime.fromisoformat(document[name]).astimezone(UTC)
                document[name] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        moved.append(json.dumps(document).encode())
    return moved


def test_an_explanation_names_the_zone_of_its_clock_times(system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl"))
    [factor] = detected(system, "OVB")["factors"]
    assert factor["explanation"] == ("ota:booking.com accepted booking B-8841 50 min after acknowledging "
                                     "the stop-sell of 10:31 +07:00")


def test_the_same_instant_given_in_utc_says_utc(system: System) -> None:
    load(system, in_utc(lines_of("01-overbooking-after-stop-sell.jsonl")))
    [factor] = detected(system, "OVB")["factors"]
    assert factor["explanation"].endswith("the stop-sell of 03:31 UTC")


@pytest.mark.parametrize(("given", "shown"), [
    ("2019-06-21T10:31:00+07:00", "10:31 +07:00"), ("2021-12-05T20:01:10-08:00", "20:01 -08:00"),
    ("2024-03-01T09:05:00+05:45", "09:05 +05:45"), ("2024-03-01T09:05:00-03:30", "09:05 -03:30"),
    ("2019-06-21T03:31:00Z", "03:31 UTC"), ("2019-06-21T03:31:00+00:00", "03:31 UTC")])
def test_a_clock_time_names_its_zone_as_the_source_gave_it(given: str, shown: str) -> None:
    row = replace(Row(*[""] * len(fields(Row))), occurred_local=given)
    assert clock(row) == shown
    assert clock(row, day=True) == f"{given[:10]} {shown}"


CLOCK = re.compile(r"(?<![+-])\b\d{1,2}:\d{2}\b(?!:)")  # not an offset, not seconds
ZONE = re.compile(r" (UTC|[+-]\d{2}:\d{2})")


def test_every_clock_time_in_every_explanation_of_the_samples_names_its_zone(system: System) -> None:
    load(system, all_scenario_lines())
    explanations = [f["explanation"] for c in system.cases.list_cases() if c["case_ref"][:3] in ("OVB", "PAY", "SVC")
                    or c["case_ref"] == "ZD-9001" for f in system.cases.case_report(c["case_ref"])["factors"]
                    if f["proposed_by"].startswith("detector:")]
    times = [(text, found) for text in explanations for found in CLOCK.finditer(text)]
    assert len(times) >= 10
    for text, found in times:
        assert ZONE.match(text, found.end()), f"{found.group()} has no zone in: {text}"
