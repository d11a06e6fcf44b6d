"""A case: an incident someone owns, with its subjects and contributing factors."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from casetrail.domain.errors import CaseStateError, DuplicateFact, FactorNotFound
from casetrail.domain.lifecycle import STATUS_CHANGES, Status, StatusChange, lifecycle
from casetrail.domain.model import Aggregate
from casetrail.domain.values import Data, Ref, Text

Priority = Literal["low", "normal", "high", "critical"]


class EvidenceRef(BaseModel):
    """Points at a stored event by the (source, id) it arrived with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    id: str


class CaseOpened(Data):
    case_ref: Ref
    category: Ref
    summary: Text
    party_ref: Ref | None = None
    booking_ref: Ref | None = None
    priority: Priority = "normal"


class CaseAssigned(Data):
    case_ref: Ref
    department: Ref
    agent: Ref | None = None


class CaseCategorized(Data):
    case_ref: Ref
    category: Ref


class CaseEscalated(Data):
    case_ref: Ref
    level: Ref


class CaseFactorAdded(Data):
    case_ref: Ref
    code: Ref
    department: Ref
    explanation: Text
    evidence: list[EvidenceRef]


class CaseResolved(Data):
    case_ref: Ref
    resolution: Text


class CaseReopened(Data):
    case_ref: Ref
    reason: Text | None = None


class CaseRef(Data):
    case_ref: Ref


class CaseSla(Data):
    """A service-level clock's milestone (docs/sla.md): which clock, under which policy version,
    how much of its target it had used then, and the department holding the case."""

    case_ref: Ref
    policy: Ref
    policy_version: int
    metric: Literal["first_reply", "next_reply", "resolution"]
    cycle: int  # 1, or the n-th next reply
    target_seconds: int
    elapsed_seconds: int  # business time the clock had run by this milestone
    department: Ref
    due_at: str | None = None  # a warning's: when the clock breaches if it keeps running (RFC 3339)


# (code, department, subject): the subject tells apart factors of one code and
# department, such as two missed steps of one procedure; it is usually empty.
FactorKey = tuple[str, str, str]


class Case(Aggregate):
    """Opened by a helpdesk or by a detector; decided on by leads.

    Every change is an event that says who made it and when; nothing is
    removed: a rejected factor stays with who rejected it and why.
    """

    def __init__(self) -> None:
        super().__init__()
        self.case_ref: str | None = None
        self.category: str | None = None
        self.status_changes: list[StatusChange] = []
        self.factors: dict[FactorKey, str] = {}
        self.linked: set[str] = set()  # "booking:B-1", "party:g-1", "contact:C-1", "event:SOURCE#ID"
        self.sla_marks: set[str] = set()  # the ids of its clocks' milestones, each recorded once

    @property
    def status(self) -> Status:
        """By the order its changes occurred in, as the case report shows it (``lifecycle``)."""
        return lifecycle(self.status_changes).status

    def check_can(self, change: str, at: datetime) -> None:
        """A lead's change, occurring ``at``, must make sense for the case as it stands then: its
        status changes that come before it in the case's order, whatever order they arrived in."""
        if change not in STATUS_CHANGES:
            return
        standing = lifecycle(self.status_changes, before=StatusChange(change, at, at, self.version + 1))
        refusal = standing.refusal(change)
        if refusal:
            raise CaseStateError(f"case {self.case_ref} {refusal}")

    def check_factor_is_new(self, code: str, department: str, subject: str = "") -> None:
        if (code, department, subject) in self.factors:
            raise DuplicateFact(f"case {self.case_ref} already has factor {code} for {department}")

    def check_one_factor_named(self, code: str, department: str | None = None, subject: str | None = None
                               ) -> FactorKey:
        """The factor a lead's decision is about; department and subject are needed only to tell factors apart."""
        found = [k for k in self.factors if k[0] == code and department in (None, k[1]) and subject in (None, k[2])]
        if not found:
            named = " ".join(filter(None, [code, department and f"for {department}", subject and f"({subject})"]))
            raise FactorNotFound(f"case {self.case_ref} has no factor {named}")
        if len(found) > 1:
            choices = ", ".join(f"{k[1]}" + (f" ({k[2]})" if k[2] else "") for k in sorted(found))
            raise FactorNotFound(f"case {self.case_ref} has several {code} factors: {choices}; say which")
        return found[0]

    class Fact(Aggregate.Fact):
        case_ref: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.case_ref = self.case_ref

    # The data model comes first among the bases, as in ``domain.booking``.
    class Opened(CaseOpened, Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            if aggregate.category is None:
                aggregate.category = self.category

    class Assigned(CaseAssigned, Fact):
        pass

    class Categorized(CaseCategorized, Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.category = self.category

    class Escalated(CaseEscalated, Fact):
        pass

    class Linked(Fact):
        """Subjects and events a detector found to belong to the case."""

        # Pydantic fields (ruff cannot tell): each instance gets a copy of its default.
        booking_refs: list[str] = []  # noqa: RUF012
        party_refs: list[str] = []  # noqa: RUF012
        contact_refs: list[str] = []  # noqa: RUF012
        evidence: list[EvidenceRef] = []  # noqa: RUF012

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.linked |= link_names(self.booking_refs, self.party_refs, self.contact_refs, self.evidence)

    class FactorEvent(Fact):
        code: str
        department: str
        subject: str = ""

        @property
        def factor(self) -> FactorKey:
            return (self.code, self.department, self.subject)

    class FactorAdded(CaseFactorAdded, FactorEvent):
        """A factor a lead (or the helpdesk's lead) names themselves: confirmed as it is added."""

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.factors[self.factor] = "confirmed"

    class FactorProposed(FactorEvent):
        explanation: str
        evidence: list[EvidenceRef]

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.factors.setdefault(self.factor, "proposed")

    class FactorConfirmed(FactorEvent):
        rationale: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.factors[self.factor] = "confirmed"

    class FactorRejected(FactorEvent):
        rationale: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.factors[self.factor] = "rejected"

    class StatusChanged(Fact):
        """Kept in the case's order, not in arrival order: see ``lifecycle``."""

        change: ClassVar[str]

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status_changes.append(StatusChange(self.change, self.provenance.occurred_at,
                                                         self.provenance.reported_at, self.originator_version))

    class Resolved(CaseResolved, StatusChanged):
        change = "resolved"

    class Reopened(CaseReopened, StatusChanged):
        change = "reopened"

    class Closed(CaseRef, StatusChanged):
        change = "closed"


    class SlaMarked(CaseSla, Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.sla_marks.add(self.provenance.id)

    class SlaActivated(SlaMarked):
        pass

    class SlaPaused(SlaMarked):
        pass

    class SlaResumed(SlaMarked):
        pass

    class SlaWarned(SlaMarked):
        pass

    class SlaFulfilled(SlaMarked):
        pass

    class SlaBreached(SlaMarked):
        pass


def link_names(booking_refs: list[str], party_refs: list[str], contact_refs: list[str],
               evidence: list[EvidenceRef]) -> set[str]:
    return ({f"booking:{r}" for r in booking_refs} | {f"party:{r}" for r in party_refs}
            | {f"contact:{r}" for r in contact_refs} | {f"event:{e.source}#{e.id}" for e in evidence})
