"""What a detector finds: an incident, the case it belongs in, and the
contributing factors it proposes, each with its evidence and a sentence.

Detectors are pure functions of timeline rows: the same facts give the same
findings whatever order they arrived in. What a detector proposed on facts
that were incomplete when it ran stays proposed (detectors only add).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import NAMESPACE_URL, uuid5

from projections.case_report import Row
from projections.recorded import moment_of

Evidence = tuple[str, str]  # (source, id)


@dataclass(frozen=True)
class FactorFinding:
    code: str
    department: str
    at: str  # when the factor happened, as sortable UTC text
    explanation: str
    evidence: tuple[Evidence, ...]
    subject: str = ""  # tells apart factors of one code and department on one case
    known_at: str = ""  # when its evidence had all been reported; set by the runner from the index


@dataclass(frozen=True)
class Finding:
    detector: str
    # What identifies the incident; the case id derives from it, so the same
    # incident found again, late or in another order, lands in the same case.
    incident: str
    opened_at: str
    factors: tuple[FactorFinding, ...]
    known_at: str = ""  # when its first factor was known; set by the runner from the index
    category: str = "other"
    priority: str = "normal"
    summary: str = ""
    # Set when the factors belong in a case that exists already (a helpdesk's).
    existing_case_ref: str | None = None
    booking_refs: tuple[str, ...] = ()
    party_refs: tuple[str, ...] = ()
    contact_refs: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def case_ref(self) -> str:
        if self.existing_case_ref:
            return self.existing_case_ref
        prefix = {"overbooking": "OVB", "payment_failures": "PAY", "service_signals": "SVC"}.get(self.detector, "CT")
        return f"{prefix}-{uuid5(NAMESPACE_URL, f'casetrail:{self.detector}:{self.incident}').hex[:10].upper()}"


def key(row: Row) -> Evidence:
    return (row.source, row.source_id)


def minutes_between(first: str, last: str) -> float:
    return (moment_of(last) - moment_of(first)).total_seconds() / 60


def clock(row: Row) -> str:
    """The row's local time of day as its source gave it: ``10:31``."""
    return datetime.fromisoformat(row.occurred_local.replace("Z", "+00:00")).strftime("%H:%M")


def local_day_and_clock(row: Row) -> str:
    return datetime.fromisoformat(row.occurred_local.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
