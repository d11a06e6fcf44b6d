"""Procedure steps (``sop_step_missed``): a step at its deadline, a second late, never recorded
while the deadline had or had not passed by the latest event the log knows of."""

from __future__ import annotations

from typing import Any

import pytest

from casetrail.domain.config import Config, Procedure, ProcedureStep
from casetrail.projections import procedures
from casetrail.projections.findings import Finding
from tests.unit.rows import Log, at, utc

# The default phone_booking procedure: read_back within 10 min, confirmation_sent within 60 min.
PROCEDURES = Config().procedures


def phone_booking(log: Log, channel: str = "phone") -> None:
    log.event("booking.created", "pb-1", at("10:00"), {"booking_ref": "G-1", "resource": "harbour:deluxe",
                                                       "date": "2024-07-01", "channel": channel, "guest_ref": "g"},
              source="pms:harbour", department="reservations")


def step(log: Log, name: str, clock: str, procedure: str = "phone_booking") -> None:
    log.event("procedure.step", f"pb-1-{name}-{clock}", at(clock), {"procedure": procedure, "step": name,
                                                                    "booking_ref": "G-1"}, source="pms:harbour")


def case_opened(log: Log, clock: str) -> None:
    log.event("case.opened", "zd-1", at(clock), {"case_ref": "ZD-1", "category": "booking_error", "summary": "s",
                                                 "booking_ref": "G-1"}, source="helpdesk:zendesk")


def findings(log: Log, configured: dict[str, Procedure] = PROCEDURES) -> list[Finding]:
    """As the detectors' runner asks: each trigger of the booking against each procedure, with the
    booking's steps, and the latest event of the booking or its case."""
    rows = [r for r in log.rows if r.booking_ref == "G-1"]
    cases = sorted({str(r.case_ref) for r in rows if r.type == "case.opened"})
    latest = max([*rows, *(r for r in log.rows if r.case_ref in cases)], key=lambda r: r.order)
    steps = [r for r in rows if r.type == "procedure.step"]
    found = [procedures.detect(name, procedure, trigger, steps, latest, cases[0])
             for trigger in rows if trigger.type == "booking.created"
             for name, procedure in sorted(configured.items())]
    return [f for f in found if f is not None]


def missed(found: list[Finding]) -> list[tuple[str, str, str, tuple[str, ...], str]]:
    return [(f.code, f.department, f.at, tuple(i for _, i in f.evidence), f.subject)
            for finding in found for f in finding.factors]


READ_BACK = "phone_booking/read_back"
STORIES: dict[str, tuple[list[tuple[str, Any]], list[tuple[str, str, str, tuple[str, ...], str]]]] = {
    "read back exactly at its deadline": ([("read_back", "10:10:00"), ("case", "12:00")], []),
    "read back a second late": (
        [("read_back", "10:10:01"), ("case", "12:00")],
        [("sop_step_missed", "reservations", utc("10:10:01"), ("pb-1", "pb-1-read_back-10:10:01"), READ_BACK)]),
    "never read back, the deadline long past": (
        [("case", "12:00")], [("sop_step_missed", "reservations", utc("10:10"), ("pb-1",), READ_BACK)]),
    "never read back, the latest event a second past the deadline": (
        [("case", "10:10:01")], [("sop_step_missed", "reservations", utc("10:10"), ("pb-1",), READ_BACK)]),
    "not read back yet, the latest event at the deadline": ([("case", "10:10:00")], []),
    "read back under another procedure's name": (
        [("other", "10:05"), ("case", "12:00")],
        [("sop_step_missed", "reservations", utc("10:10"), ("pb-1",), READ_BACK)]),
    "read back twice, the first in time": ([("read_back", "10:09"), ("read_back", "10:30"), ("case", "12:00")], []),
}


@pytest.mark.parametrize("story", STORIES)
def test_a_step_at_its_deadline_late_or_never(story: str) -> None:
    happenings, expected = STORIES[story]
    log = Log()
    phone_booking(log)
    step(log, "confirmation_sent", "10:05")
    for what, clock in happenings:
        if what == "case":
            case_opened(log, clock)
        elif what == "other":
            step(log, "read_back", clock, procedure="web_booking")
        else:
            step(log, what, clock)
    assert missed(findings(log)) == expected


def test_every_step_missed_is_a_factor_of_its_own_on_the_bookings_case() -> None:
    log = Log()
    phone_booking(log)
    case_opened(log, "12:00")
    [finding] = findings(log)
    assert missed([finding]) == [
        ("sop_step_missed", "reservations", utc("10:10"), ("pb-1",), READ_BACK),
        ("sop_step_missed", "reservations", utc("11:00"), ("pb-1",), "phone_booking/confirmation_sent"),
    ]
    assert (finding.detector, finding.incident, finding.opened_at) == (
        "procedures", "phone_booking/pms:harbour#pb-1", utc("10:10"))
    assert finding.case_ref == finding.existing_case_ref == "ZD-1"
    assert finding.factors[0].explanation == ("phone_booking step read_back for booking G-1 was due within 10 min "
                                              "of 10:00 +07:00 and was never recorded")


def test_a_booking_the_procedure_does_not_apply_to() -> None:
    log = Log()
    phone_booking(log, channel="walk_in")
    case_opened(log, "12:00")
    assert findings(log) == []


def test_the_procedure_comes_from_configuration() -> None:
    log = Log()
    phone_booking(log, channel="web:direct")
    step(log, "welcome_mail", "10:20", procedure="web_booking")
    case_opened(log, "12:00")
    web = {"web_booking": Procedure(trigger="booking.created", when={"channel": "web:direct"}, steps=[
        ProcedureStep(step="welcome_mail", within_minutes=15, department="ecommerce")])}
    assert missed(findings(log, web)) == [
        ("sop_step_missed", "ecommerce", utc("10:20"), ("pb-1", "pb-1-welcome_mail-10:20"), "web_booking/welcome_mail")]
