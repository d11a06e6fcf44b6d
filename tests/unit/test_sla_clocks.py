"""The service-level clocks of one case (``projections.sla.derive``), on rows built without a database.

The desk works 09:00-17:00 Amsterdam time on weekdays; 7 June 2024 is a Friday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.domain.business_hours import business_time
from casetrail.domain.config import Sla, SlaPolicy
from casetrail.projections.case_report import Row
from casetrail.projections.sla import Mark, derive
from tests.unit.rows import Log

SLA = Sla(time_zone="Europe/Amsterdam", holidays=["2024-06-10"])  # type: ignore[list-item]  # read as dates
HOURS = SLA.business_hours()
POLICY = SlaPolicy(version=1, first_reply_minutes=60, next_reply_minutes=120, resolution_minutes=480)
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def at(day: str, clock: str) -> str:
    return f"2024-06-{day}T{clock}:00+02:00"  # Amsterdam summer time


class Story:
    def __init__(self) -> None:
        self.log = Log()
        self.case: list[Row] = []
        self.contacts: list[Row] = []
        self.count = 0

    def _id(self) -> str:
        self.count += 1
        return f"e{self.count}"

    def opened(self, time: str, priority: str = "normal") -> Story:
        self.case.append(self.log.event("case.opened", self._id(), time, {
            "case_ref": "ZD-1", "category": "other", "summary": "billing question", "priority": priority},
            source="helpdesk:zendesk"))
        return self

    def contact(self, time: str, direction: str) -> Story:
        ref = self._id()
        self.contacts.append(self.log.event("contact.started", ref, time, {
            "contact_ref": f"C-{ref}", "party_ref": "m-1", "medium": "email", "direction": direction,
            "case_ref": "ZD-1"}, source="mail:desk"))
        return self

    def case_event(self, kind: str, time: str, **data: Any) -> Story:
        self.case.append(self.log.event(kind, self._id(), time, {"case_ref": "ZD-1", **data},
                                        source="helpdesk:zendesk"))
        return self

    def marks(self, now: datetime = LATER, policy: SlaPolicy = POLICY) -> list[Mark]:
        return list(derive(self.case, self.contacts, policy, HOURS, SLA.warn_at, now).marks)


def local(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(at(day, clock))


def brief(marks: list[Mark]) -> list[tuple[str, str, int, str, int]]:
    return [(m.metric, m.kind, m.cycle, m.at.astimezone(local("07", "00:00").tzinfo).strftime("%d %H:%M"),
             int(m.elapsed.total_seconds() // 60)) for m in marks]


def test_a_reply_within_the_target_fulfils_the_first_reply_and_pauses_resolution() -> None:
    marks = Story().opened(at("07", "10:00")).contact(at("07", "10:40"), "outbound").marks()
    assert brief(marks) == [
        ("first_reply", "activated", 1, "07 10:00", 0),
        ("resolution", "activated", 1, "07 10:00", 0),
        ("first_reply", "fulfilled", 1, "07 10:40", 40),
        ("resolution", "paused", 1, "07 10:40", 40),
    ]


def test_the_first_reply_counts_over_a_weekend_and_a_holiday_and_breaches() -> None:
    # Opened Friday 16:30; Monday 10 June is a holiday: 30 minutes on Friday, the rest on Tuesday.
    story = Story().opened(at("07", "16:30")).contact(at("11", "09:45"), "outbound")
    marks = [m for m in story.marks() if m.metric == "first_reply"]
    assert brief(marks) == [
        ("first_reply", "activated", 1, "07 16:30", 0),
        ("first_reply", "warning", 1, "11 09:18", 48),
        ("first_reply", "breached", 1, "11 09:30", 60),
        ("first_reply", "fulfilled", 1, "11 09:45", 75),
    ]
    breach = next(m for m in marks if m.kind == "breached")
    assert breach.target == timedelta(hours=1) and breach.department == "customer_service"


def test_the_resolution_clock_pauses_on_the_customer_and_a_reopening_resumes_it() -> None:
    story = (Story().opened(at("12", "09:00"))
             .contact(at("12", "10:00"), "outbound")      # the desk asks the member for a document
             .contact(at("13", "11:00"), "inbound")       # a day later the member sends it
             .contact(at("13", "11:30"), "outbound")      # the desk answers
             .case_event("case.resolved", at("13", "12:00"), resolution="refunded")
             .case_event("case.reopened", at("14", "09:00"), reason="not refunded")
             .case_event("case.resolved", at("14", "10:00"), resolution="refunded again"))
    resolution = [m for m in story.marks() if m.metric == "resolution"]
    assert brief(resolution) == [
        ("resolution", "activated", 1, "12 09:00", 0),
        ("resolution", "paused", 1, "12 10:00", 60),
        ("resolution", "resumed", 1, "13 11:00", 60),
        ("resolution", "paused", 1, "13 11:30", 90),
        ("resolution", "fulfilled", 1, "13 12:00", 90),
        ("resolution", "resumed", 1, "14 09:00", 90),
        ("resolution", "fulfilled", 1, "14 10:00", 150),
    ]
    assert [m.occurrence for m in resolution] == [1, 1, 1, 2, 1, 2, 2]
    next_reply = [m for m in story.marks() if m.metric == "next_reply"]
    assert brief(next_reply) == [("next_reply", "activated", 1, "13 11:00", 0),
                                 ("next_reply", "fulfilled", 1, "13 11:30", 30)]


def test_milestones_after_now_are_not_given_but_the_next_one_is_due() -> None:
    story = Story().opened(at("12", "09:00"))
    clocks = derive(story.case, story.contacts, POLICY, HOURS, SLA.warn_at, local("12", "09:50"))
    assert [(m.metric, m.kind) for m in clocks.marks] == [
        ("first_reply", "activated"), ("resolution", "activated"), ("first_reply", "warning")]
    assert clocks.next_due == local("12", "10:00")


def test_a_reply_exactly_at_the_target_meets_it() -> None:
    marks = Story().opened(at("12", "09:00")).contact(at("12", "10:00"), "outbound").marks()
    assert [m.kind for m in marks if m.metric == "first_reply"] == ["activated", "warning", "fulfilled"]


def test_an_inbound_contact_before_the_opening_starts_the_clocks_and_a_policy_without_a_target_has_no_clock() -> None:
    story = Story().contact(at("12", "09:00"), "inbound").opened(at("12", "09:30"))
    marks = story.marks(now=local("12", "10:00"), policy=SlaPolicy(version=2, first_reply_minutes=240))
    assert brief(marks) == [("first_reply", "activated", 1, "12 09:00", 0)]


def test_the_department_holding_the_case_at_a_breach_is_the_last_assigned_before_it() -> None:
    story = (Story().opened(at("12", "09:00"))
             .case_event("case.assigned", at("12", "09:10"), department="billing")
             .case_event("case.assigned", at("12", "11:00"), department="claims"))
    breach = next(m for m in story.marks() if m.kind == "breached" and m.metric == "first_reply")
    assert breach.department == "billing"
    assert breach.at == local("12", "10:00")


def test_the_policy_naming_most_of_the_case_applies_and_category_counts_before_priority() -> None:
    sla = Sla(policies={
        "default": SlaPolicy(version=1, resolution_minutes=60),
        "urgent": SlaPolicy(version=1, priorities=["high", "critical"], resolution_minutes=30),
        "payments": SlaPolicy(version=1, categories=["payment"], resolution_minutes=45),
        "urgent_payments": SlaPolicy(version=1, categories=["payment"], priorities=["critical"], resolution_minutes=15),
    })
    assert sla.policy_for("other", "normal") == "default"
    assert sla.policy_for("other", "high") == "urgent"
    assert sla.policy_for("payment", "high") == "payments"
    assert sla.policy_for("payment", "critical") == "urgent_payments"
    assert Sla(policies={"vip": SlaPolicy(version=1, priorities=["high"])}).policy_for("other", "low") is None


@settings(max_examples=60, deadline=None)
@given(opened=st.integers(min_value=0, max_value=7 * 24 * 60), waited=st.integers(min_value=1, max_value=3 * 24 * 60))
def test_a_first_reply_breaches_exactly_when_the_business_time_to_it_passes_the_target(opened: int,
                                                                                       waited: int) -> None:
    start = local("07", "00:00") + timedelta(minutes=opened)
    reply = start + timedelta(minutes=waited)
    story = Story().opened(start.isoformat()).contact(reply.isoformat(), "outbound")
    marks = [m for m in story.marks() if m.metric == "first_reply"]
    used = business_time(HOURS, start, reply)
    assert marks[-1].kind == "fulfilled" and marks[-1].elapsed == used
    assert any(m.kind == "breached" for m in marks) == (used > timedelta(hours=1))
    assert any(m.kind == "warning" for m in marks) == (used > timedelta(minutes=48))
    assert [m.at for m in marks] == sorted(m.at for m in marks)
