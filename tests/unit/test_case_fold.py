"""The case fold (``fold_case``), its lifecycle, effort and proactivity, from rows alone.

A case's events apply in the order they occurred, then were reported, then were stored,
whatever order they arrived in; ``as_of`` keeps what had occurred by then and ``known_at``
what had been reported by then (``cases-v1.md``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from casetrail.domain import ids
from casetrail.domain.case import Case
from casetrail.domain.errors import CaseStateError
from casetrail.domain.lifecycle import Lifecycle, StatusChange, lifecycle
from casetrail.domain.model import Provenance
from casetrail.projections.case_report import Row, case_summary, effort, fold_case, proactive
from casetrail.projections.recorded import moment_of
from casetrail.services.case_queries import Moment
from tests.unit.rows import DAY, Log, at, utc

CASE = "ZD-1"


def case_event(log: Log, kind: str, event_id: str, clock: str, reported: str | None = None, day: str = DAY,
               actor: str = "rina", **data: Any) -> Row:
    return log.event(kind, event_id, at(clock, day), {"case_ref": CASE, **data}, source="helpdesk:zendesk",
                     actor=actor, reportedat=at(reported, day) if reported else None)


def opened(log: Log, clock: str = "09:00", **data: Any) -> Row:
    return case_event(log, "case.opened", "open", clock, category="booking_error", summary="wrong rate", **data)


def fold(log: Log, moment: Moment = Moment()) -> Any:
    return fold_case(CASE, [r for r in log.rows if r.case_ref == CASE and moment.admits(r)])


def moment(clock: str) -> datetime:
    return moment_of(utc(clock))


# --- order: occurrence, then report, then position --------------------------------------------------------

# Categorizations in the order they are stored: (category, occurred, reported or None for "when it occurred").
CATEGORY_STORIES: dict[str, tuple[list[tuple[str, str, str | None]], str]] = {
    "the later occurrence wins though it arrived first": ([("terms", "12:00", None), ("website", "11:00", None)],
                                                           "terms"),
    "at one occurrence, the later report wins though it arrived first": (
        [("website", "11:00", "11:30"), ("terms", "11:00", "11:10")], "website"),
    "at one occurrence and report, the later stored wins": (
        [("terms", "11:00", "11:10"), ("website", "11:00", "11:10")], "website"),
    "the same, stored the other way round": ([("website", "11:00", "11:10"), ("terms", "11:00", "11:10")], "terms"),
}


@pytest.mark.parametrize("story", CATEGORY_STORIES)
def test_a_case_applies_its_events_by_occurrence_then_report_then_position(story: str) -> None:
    categorizations, expected = CATEGORY_STORIES[story]
    log = Log()
    opened(log)
    for n, (category, clock, reported) in enumerate(categorizations):
        case_event(log, "case.categorized", f"cat-{n}", clock, reported, category=category)
    rows = [r for r in log.rows if r.case_ref == CASE]
    assert fold_case(CASE, rows).category == expected
    assert fold_case(CASE, list(reversed(rows))).category == expected  # the list's order is not the case's


def test_an_opening_keeps_its_category_until_one_is_given_and_the_first_opening_counts() -> None:
    log = Log()
    case_event(log, "case.opened", "open-2", "10:00", category="terms", summary="again", actor="tomas")
    opened(log, "09:00", priority="high", booking_ref="G-1", party_ref="g-1")
    state = fold(log)
    assert (state.category, state.opened_at, state.opened_by, state.opened_role) == (
        "booking_error", utc("09:00"), "rina", None)
    assert state.priority == "normal"  # the latest opening's
    assert (state.booking_refs, state.party_refs) == ({"G-1"}, {"g-1"})


# --- factors: proposed, then confirmed or rejected; added by a lead ----------------------------------------

def proposed(log: Log, code: str, department: str, clock: str, subject: str = "") -> Row:
    return log.casetrail("case.factor_proposed", CASE, f"{CASE}:factor:{code}:{department}", utc(clock),
                         actor="detector:procedures", code=code, department=department, subject=subject,
                         explanation=f"{code} by {department}", evidence=[{"source": "pms:harbour", "id": "pb-1"}])


def decided(log: Log, kind: str, code: str, department: str, clock: str, subject: str = "") -> Row:
    return log.casetrail(f"case.factor_{kind}", CASE, f"{kind}-{code}-{department}", utc(clock), actor="lead-ana",
                         role="lead", code=code, department=department, subject=subject, rationale=f"{kind} it")


def test_factors_as_proposed_confirmed_rejected_and_added() -> None:
    log = Log()
    opened(log)
    proposed(log, "sop_step_missed", "reservations", "10:10", subject="phone_booking/read_back")
    proposed(log, "late_stop_sell", "front_office", "10:20")
    case_event(log, "case.factor_added", "added", "11:00", actor="lead-ana", code="rate_miscommunicated",
               department="sales", explanation="old rate", evidence=[{"source": "pms:harbour", "id": "pb-1"}])
    decided(log, "confirmed", "sop_step_missed", "reservations", "12:00", subject="phone_booking/read_back")
    decided(log, "rejected", "late_stop_sell", "front_office", "12:30")
    decided(log, "confirmed", "sop_step_missed", "reservations", "12:40", subject="phone_booking/confirmation_sent")
    state = fold(log)
    assert [(f["code"], f["department"], f["at"], f["status"], f["proposed_by"], f.get("decided_by"),
             f.get("decided_at"), f.get("subject")) for f in state.factor_list()] == [
        ("sop_step_missed", "reservations", "2024-06-21T03:10:00Z", "confirmed", "detector:procedures", "lead-ana",
         "2024-06-21T05:00:00Z", "phone_booking/read_back"),
        ("late_stop_sell", "front_office", "2024-06-21T03:20:00Z", "rejected", "detector:procedures", "lead-ana",
         "2024-06-21T05:30:00Z", None),
        ("rate_miscommunicated", "sales", "2024-06-21T04:00:00Z", "confirmed", "lead-ana", None, None, None),
    ]
    assert case_summary(state)["departments"] == ["reservations", "sales"]  # not the rejected one's


def test_a_decision_that_occurred_before_the_proposal_finds_nothing_to_decide() -> None:
    log = Log()
    opened(log)
    decided(log, "rejected", "late_stop_sell", "front_office", "10:00")
    proposed(log, "late_stop_sell", "front_office", "10:20")
    [factor] = fold(log).factor_list()
    assert (factor["status"], "decided_by" in factor) == ("proposed", False)


# --- as_of and known_at -------------------------------------------------------------------------------------

def resolved_late() -> Log:
    """Opened at 09:00; resolved at 14:00, which the helpdesk reported only at 16:00."""
    log = Log()
    opened(log)
    case_event(log, "case.resolved", "res", "14:00", reported="16:00", resolution="refunded")
    return log


MOMENTS: dict[str, tuple[Moment, str | None, str | None]] = {
    "now": (Moment(), "resolved", utc("14:00")),
    "as of the resolution": (Moment(as_of=moment("14:00")), "resolved", utc("14:00")),
    "as of a second before it": (Moment(as_of=moment("13:59:59")), "open", None),
    "known at its report": (Moment(known_at=moment("16:00")), "resolved", utc("14:00")),
    "known at a second before its report": (Moment(known_at=moment("15:59:59")), "open", None),
    "as of the resolution, known before its report": (
        Moment(as_of=moment("14:00"), known_at=moment("15:59:59")), "open", None),
    "as of before it, known after its report": (Moment(as_of=moment("13:00"), known_at=moment("17:00")), "open", None),
    "as of before the opening": (Moment(as_of=moment("08:59:59")), None, None),
}


@pytest.mark.parametrize("story", MOMENTS)
def test_as_of_keeps_what_had_occurred_and_known_at_what_had_been_reported(story: str) -> None:
    asked, status, resolved_at = MOMENTS[story]
    state = fold(resolved_late(), asked)
    assert (state.status if state.opened_at else None, state.resolved_at) == (status, resolved_at)


# --- the lifecycle ------------------------------------------------------------------------------------------

# Status changes in the order they are stored: (change, when it occurred[, when it was reported]).
LIFECYCLE_STORIES: dict[str, tuple[list[tuple[str, ...]], str, str | None]] = {
    "resolved": ([("resolved", "12:00")], "resolved", "12:00"),
    "a reopening that arrived before the resolution it follows": (
        [("reopened", "13:00"), ("resolved", "12:00")], "open", None),
    "resolved, reopened, resolved again": ([("resolved", "12:00"), ("reopened", "13:00"), ("resolved", "14:00")],
                                           "resolved", "14:00"),
    "resolved then closed keeps the resolution's time": ([("resolved", "12:00"), ("closed", "15:00")],
                                                         "closed", "12:00"),
    "closed without a resolution is resolved when closed": ([("closed", "15:00")], "closed", "15:00"),
    "at one moment, the later report applies last": ([("resolved", "12:00", "12:30"), ("reopened", "12:00", "12:10")],
                                                    "resolved", "12:00"),
    "at one moment and report, the later stored applies last": (
        [("resolved", "12:00", "12:10"), ("reopened", "12:00", "12:10")], "open", None),
    "closed after a reopening": ([("closed", "15:00"), ("reopened", "13:00"), ("resolved", "12:00")],
                                 "closed", "15:00"),
}


@pytest.mark.parametrize("story", LIFECYCLE_STORIES)
def test_the_status_follows_the_changes_in_the_order_they_occurred(story: str) -> None:
    changes, status, resolved_at = LIFECYCLE_STORIES[story]
    log = Log()
    opened(log)
    for n, (change, clock, *reported) in enumerate(changes):
        case_event(log, f"case.{change}", f"{change}-{n}", clock, *reported,
                   **({"resolution": "done"} if change == "resolved" else {}))
    state = fold(log)
    assert (state.status, state.resolved_at) == (status, utc(resolved_at) if resolved_at else None)


REFUSALS = {
    ("open", "reopened"): "is open already", ("open", "resolved"): None, ("open", "closed"): None,
    ("resolved", "reopened"): None, ("resolved", "resolved"): "is resolved; reopen it first",
    ("resolved", "closed"): None,
    ("closed", "reopened"): None, ("closed", "resolved"): "is closed; reopen it first",
    ("closed", "closed"): "is closed already",
}


@pytest.mark.parametrize(("status", "change"), REFUSALS)
def test_what_a_lead_may_do_in_each_status(status: str, change: str) -> None:
    assert Lifecycle(status).refusal(change) == REFUSALS[(status, change)]  # type: ignore[arg-type]


def _provenance(clock: str) -> Provenance:
    return Provenance(source="helpdesk:zendesk", id=f"e-{clock}", type="case.x", occurred_at=at(clock),
                      reported_at=at(clock), received_at=at(clock), department="customer_service", body_hash="h")


def test_a_leads_change_is_judged_by_the_status_when_it_occurs_not_when_it_arrives() -> None:
    case = Case.record(None, ids.case_id(CASE), Case.Opened, case_ref=CASE, category="terms", summary="s",
                       provenance=_provenance("09:00"))
    Case.record(case, case.id, Case.Resolved, case_ref=CASE, resolution="done", provenance=_provenance("12:00"))
    with pytest.raises(CaseStateError, match=f"^case {CASE} is resolved; reopen it first$"):
        case.check_can("resolved", moment_of(at("13:00")))
    case.check_can("resolved", moment_of(at("11:00")))  # before the resolution, the case was open
    with pytest.raises(CaseStateError, match=f"^case {CASE} is open already$"):
        case.check_can("reopened", moment_of(at("11:00")))
    case.check_can("reopened", moment_of(at("13:00")))
    case.check_can("assigned", moment_of(at("13:00")))  # not a change of status: nothing to refuse


def test_the_steps_before_a_change_are_those_earlier_in_the_case_order() -> None:
    def step(change: str, clock: str, position: int) -> StatusChange:
        return StatusChange(change, moment_of(at(clock)), moment_of(at(clock)), position)

    steps = [step("resolved", "12:00", 2), step("reopened", "13:00", 3)]
    assert lifecycle(steps, before=step("closed", "13:00", 4)).status == "open"
    assert lifecycle(steps, before=step("closed", "13:00", 3)).status == "resolved"  # same moment, not after it
    assert lifecycle(steps, before=step("closed", "11:59:59", 9)).status == "open"  # earlier, though stored later


# --- effort --------------------------------------------------------------------------------------------------

def contact_event(log: Log, kind: str, event_id: str, clock: str, day: str = DAY, actor: str | None = "agent-1",
                  department: str = "customer_service", **data: Any) -> Row:
    return log.event(kind, event_id, at(clock, day), data, source="phone:pbx", actor=actor, department=department)


def two_contacts(second_outcome: str = "resolved") -> Log:
    log = Log()
    contact_event(log, "contact.started", "c1-s", "09:00", contact_ref="C1", party_ref="g-1", medium="phone",
                  direction="inbound", case_ref=CASE)
    contact_event(log, "contact.held", "c1-h", "09:01", contact_ref="C1", seconds=300)
    contact_event(log, "contact.transferred", "c1-t", "09:07", contact_ref="C1", to_department="billing")
    # billing took the call but its own systems reported nothing: it counts by the transfer alone
    contact_event(log, "contact.escalated", "c1-e", "09:08", actor="agent-2", contact_ref="C1", level="manager")
    contact_event(log, "contact.ended", "c1-x", "09:20", actor="agent-2", contact_ref="C1", outcome="unresolved")
    opened(log, "09:10", party_ref="g-1")
    contact_event(log, "contact.started", "c2-s", "10:00", "2024-06-22", actor="agent-3", department="sales",
                  contact_ref="C2", party_ref="g-1", medium="email", direction="inbound", case_ref=CASE)
    contact_event(log, "contact.held", "c2-h", "10:01", "2024-06-22", actor="agent-3", department="sales",
                  contact_ref="C2", seconds=45)
    contact_event(log, "contact.ended", "c2-x", "10:30", "2024-06-22", actor="agent-3", department="sales",
                  contact_ref="C2", outcome=second_outcome)
    case_event(log, "case.escalated", "esc", "11:00", day="2024-06-22", level="executive")
    return log


def effort_of(log: Log) -> dict[str, Any]:
    return effort([r for r in log.rows if r.contact_ref], [r for r in log.rows if r.case_ref == CASE
                                                            and r.type.startswith("case.")])


def test_effort_counts_what_the_party_went_through() -> None:
    log = two_contacts()
    case_event(log, "case.resolved", "res", "12:00", day="2024-06-22", resolution="refunded")
    # A lead's analysis a week later is not the customer's time.
    case_event(log, "case.categorized", "cat", "09:00", day="2024-06-29", category="terms")
    case_event(log, "case.factor_added", "fa", "09:00", day="2024-06-29", code="x", department="sales",
               explanation="e", evidence=[])
    assert effort_of(log) == {
        "contacts": 2, "transfers": 1, "hold_seconds": 345, "agents": 3,
        "departments": 3,  # customer_service, billing (by the transfer), sales
        "highest_escalation": "executive",  # the case's, above the contact's manager
        "elapsed_seconds": 27 * 3600,  # from 09:00 on the 21st to the resolution at 12:00 on the 22nd
        "first_contact_resolution": False,
    }


def test_elapsed_runs_to_the_latest_event_the_party_lived_through_while_unresolved() -> None:
    log = two_contacts(second_outcome="unresolved")
    case_event(log, "case.categorized", "cat", "09:00", day="2024-06-29", category="terms")
    assert effort_of(log)["elapsed_seconds"] == 24 * 3600 + 2 * 3600  # to the case's escalation at 11:00 next day


def test_the_highest_escalation_follows_the_configured_order_of_levels() -> None:
    log = Log()
    opened(log, "09:00", party_ref="g-1")
    for n, level in enumerate(["duty_manager", "general_manager", "duty_manager"]):
        case_event(log, "case.escalated", f"esc-{n}", f"1{n}:00", level=level)
    rows = [r for r in log.rows if r.case_ref == CASE]
    configured = ["duty_manager", "general_manager"]
    assert effort([], rows, configured)["highest_escalation"] == "general_manager"
    assert effort([], rows, list(reversed(configured)))["highest_escalation"] == "duty_manager"


@pytest.mark.parametrize(("outcome", "called_again", "expected"), [
    ("resolved", False, True), ("unresolved", False, False), ("resolved", True, False)])
def test_first_contact_resolution_is_one_inbound_contact_that_ended_resolved(outcome: str, called_again: bool,
                                                                            expected: bool) -> None:
    log = Log()
    contact_event(log, "contact.started", "c1-s", "09:00", contact_ref="C1", party_ref="g-1", medium="phone",
                  direction="inbound")
    contact_event(log, "contact.ended", "c1-x", "09:20", contact_ref="C1", outcome=outcome)
    if called_again:
        contact_event(log, "contact.started", "c2-s", "09:15", contact_ref="C2", party_ref="g-1", medium="phone",
                      direction="inbound")
    assert effort_of(log)["first_contact_resolution"] is expected
    assert effort_of(log)["elapsed_seconds"] == 20 * 60


# --- proactive ----------------------------------------------------------------------------------------------

def started(log: Log, ref: str, clock: str, direction: str) -> None:
    contact_event(log, "contact.started", f"{ref}-s", clock, contact_ref=ref, party_ref="g-1", medium="phone",
                  direction=direction)


PROACTIVE: dict[str, tuple[str, list[tuple[str, str]], bool]] = {
    # (who opened it at 10:00, contacts started: (clock, direction)), proactive?
    "a detector opened it before the party called": ("detector", [("10:05", "inbound")], True),
    "a detector opened it as the party called": ("detector", [("10:00", "inbound")], False),
    "a detector opened it with no contact": ("detector", [], True),
    "an agent opened it with no contact on record": ("agent", [], False),
    "an agent called the party before they called": ("agent", [("10:02", "outbound"), ("10:05", "inbound")], True),
    "an agent called the party after they called": ("agent", [("10:05", "inbound"), ("10:10", "outbound")], False),
    "an agent opened it after the party called": ("agent", [("09:50", "inbound"), ("09:55", "outbound")], False),
}


@pytest.mark.parametrize("story", PROACTIVE)
def test_proactive_when_opened_before_any_inbound_contact_and_our_side_moved_first(story: str) -> None:
    opener, contacts, expected = PROACTIVE[story]
    log = Log()
    if opener == "detector":
        log.casetrail("case.opened", CASE, f"{CASE}:opened", utc("10:00"), actor="detector:payment_failures",
                      category="payment", summary="s", priority="high")
    else:
        opened(log, "10:00")
    for n, (clock, direction) in enumerate(contacts):
        started(log, f"C{n}", clock, direction)
    state = fold(log)
    assert state.opened_role == ("detector" if opener == "detector" else None)
    assert proactive(state, [r for r in log.rows if r.contact_ref]) is expected


def test_a_case_not_opened_yet_is_not_proactive() -> None:
    log = Log()
    started(log, "C1", "10:00", "outbound")
    assert proactive(fold_case(CASE, []), log.rows) is False
