"""A customer contact: one interaction between a party and a department."""

from __future__ import annotations

from typing import Literal

from casetrail.domain.model import Aggregate
from casetrail.domain.procedures import Step
from casetrail.domain.values import Data, NonNegative, Ref, Text

Medium = Literal["phone", "email", "chat", "walk_in", "letter", "social"]
Direction = Literal["inbound", "outbound"]
EscalationLevel = Literal["supervisor", "manager", "executive"]
Outcome = Literal["resolved", "unresolved", "callback_promised", "abandoned"]


class ContactStarted(Data):
    contact_ref: Ref
    party_ref: Ref
    medium: Medium
    direction: Direction
    topic: Text | None = None
    booking_ref: Ref | None = None
    case_ref: Ref | None = None


class ContactHeld(Data):
    contact_ref: Ref
    seconds: NonNegative


class ContactTransferred(Data):
    contact_ref: Ref
    to_department: Ref
    reason: Text | None = None


class ContactEscalated(Data):
    contact_ref: Ref
    level: EscalationLevel


class ContactEnded(Data):
    contact_ref: Ref
    outcome: Outcome


class Contact(Aggregate):
    class Fact(Aggregate.Fact):
        contact_ref: str

    class Started(ContactStarted, Fact):
        pass

    class Held(ContactHeld, Fact):
        pass

    class Transferred(ContactTransferred, Fact):
        pass

    class Escalated(ContactEscalated, Fact):
        pass

    class Ended(ContactEnded, Fact):
        pass

    class ProcedureStepRecorded(Step, Fact):
        pass
