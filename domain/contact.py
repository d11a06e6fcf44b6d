"""A customer contact: one interaction between a party and a department."""

from __future__ import annotations

from typing import Literal

from casetrail.domain.model import Aggregate

Medium = Literal["phone", "email", "chat", "walk_in", "letter", "social"]
Direction = Literal["inbound", "outbound"]
EscalationLevel = Literal["supervisor", "manager", "executive"]
Outcome = Literal["resolved", "unresolved", "callback_promised", "abandoned"]


class Contact(Aggregate):
    class Fact(Aggregate.Fact):
        contact_ref: str

    class Started(Fact):
        party_ref: str
        medium: Medium
        direction: Direction
        topic: str | None = None
        booking_ref: str | None = None
        case_ref: str | None = None

    class Held(Fact):
        seconds: int

    class Transferred(Fact):
        to_department: str
        reason: str | None = None

    class Escalated(Fact):
        level: EscalationLevel

    class Ended(Fact):
        outcome: Outcome

    class ProcedureStepRecorded(Fact):
        procedure: str
        step: str
