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

from casetrail.projections.case_report import Row
from casetrail.projections.recorded import moment_of

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


def clock(row: Row, day: bool = False) -> str:
    """When the row occurred, in the local time its source gave, naming the zone so that one instant
    never reads as two times without saying so: ``10:31 +07:00``, or ``03:31 UTC`` when the source
    spoke UTC; ``day``: ``2019-06-21 10:31 +07:00``. Every clock time in an explanation is this."""
    moment = _local(row)
    return f"{moment.strftime('%Y-%m-%d %H:%M' if day else '%H:%M')} {_zone(moment)}"


def local_day(row: Row) -> str:
    """The date the row occurred on, in its source's local time: ``2019-06-21``."""
    return _local(row).strftime("%Y-%m-%d")


def _local(row: Row) -> datetime:
    return datetime.fromisoformat(row.occurred_local)


def _zone(moment: datetime) -> str:
    """``UTC``, or the offset from it as RFC 3339 writes it: ``+07:00``, ``-08:00``."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
