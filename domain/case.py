"""A case: an incident someone owns, with its subjects and contributing factors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.model import Aggregate

Priority = Literal["low", "normal", "high", "critical"]


class EvidenceRef(BaseModel):
    """Points at a stored event by the (source, id) it arrived with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    id: str


class Case(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.case_ref: str | None = None
        self.category: str | None = None
        self.status = "open"

    class Fact(Aggregate.Fact):
        case_ref: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.case_ref = self.case_ref

    class Opened(Fact):
        category: str
        summary: str
        party_ref: str | None = None
        booking_ref: str | None = None
        priority: Priority = "normal"

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            if aggregate.category is None:
                aggregate.category = self.category

    class Assigned(Fact):
        department: str
        agent: str | None = None

    class Categorized(Fact):
        category: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.category = self.category

    class Escalated(Fact):
        level: str

    class FactorAdded(Fact):
        code: str
        department: str
        explanation: str
        evidence: list[EvidenceRef]

    class Resolved(Fact):
        resolution: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "resolved"

    class Reopened(Fact):
        reason: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "open"

    class Closed(Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "closed"
