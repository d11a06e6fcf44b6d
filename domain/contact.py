"""A customer contact: one interaction between a party and a department."""

from __future__ import annotations

from typing import Any, Literal

from domain.model import Aggregate

Medium = Literal["phone", "email", "chat", "walk_in", "letter", "social"]
Direction = Literal["inbound", "outbound"]
EscalationLevel = Literal["supervisor", "manager", "executive"]
Outcome = Literal["resolved", "unresolved", "callback_promised", "abandoned"]


class Contact(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.contact_ref: str | None = None
        self.party_ref: str | None = None
        self.hold_seconds = 0
        self.outcome: str | None = None

    class Fact(Aggregate.Fact):
        contact_ref: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.contact_ref = self.contact_ref

    class Started(Fact):
        party_ref: str
        medium: Medium
        direction: Direction
        topic: str | None = None
        booking_ref: str | None = None
        case_ref: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.party_ref = self.party_ref

    class Held(Fact):
        seconds: int

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.hold_seconds += self.seconds

    class Transferred(Fact):
        to_department: str
        reason: str | None = None

    class Escalated(Fact):
        level: EscalationLevel

    class Ended(Fact):
        outcome: Outcome

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.outcome = self.outcome

    class ProcedureStepRecorded(Fact):
        procedure: str
        step: str
