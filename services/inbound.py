"""The inbound contract (spec ``ingest-v1.md``) as pydantic models.

One model per event type for ``data``; all frozen and ``extra="forbid"`` so a
misspelt field is rejected instead of silently dropped. Integers are strict (a
string "2" is a wrong type, not a number).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    model_validator,
)

from casetrail.domain.case import EvidenceRef, Priority
from casetrail.domain.contact import Direction, EscalationLevel, Medium, Outcome
from casetrail.services.limits import quote

# A stop-sell is recorded per date it covers, and a stay or a count this long
# is a typo, not a plan.
MAX_RANGE_NIGHTS = 731
MAX_UNITS = 10_000
# Service dates and timestamps casetrail can add nights to and turn into UTC.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
# Counts and seconds fit a 32-bit column on every store, and their sums a 64-bit one.
MAX_INTEGER = 2_147_483_647
MAX_REF = 200

_DATE = r"\d{4}-\d{2}-\d{2}"
_LOCAL_TIME = _DATE + r"[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?"
RFC3339_DATE = re.compile(_DATE)
RFC3339_TIMESTAMP = re.compile(_LOCAL_TIME + r"([Zz]|[+-]\d{2}:\d{2})")
_NO_OFFSET = re.compile(_LOCAL_TIME)


def _date_text(value: Any) -> Any:
    """Dates travel as RFC 3339 text (``YYYY-MM-DD``); a number is not a date."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not RFC3339_DATE.fullmatch(value):
        raise ValueError(f"must be an RFC 3339 date, YYYY-MM-DD (got {quote(value)})")
    return value


def _timestamp_text(value: Any) -> Any:
    """Timestamps travel as RFC 3339 text with an offset; digits are not a time
    (pydantic's lax mode would read ``"1"`` as a second after 1970)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _NO_OFFSET.fullmatch(value):
        raise ValueError(f"timestamp has no UTC offset; add Z or +hh:mm (got {quote(value)})")
    if not isinstance(value, str) or not RFC3339_TIMESTAMP.fullmatch(value):
        raise ValueError(f"must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00 "
                         f"(got {quote(value)})")
    return value


def _plausible_date(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"date {value} is outside {EARLIEST.year}-{LATEST.year}")
    return value


def _plausible_time(value: dt.datetime) -> dt.datetime:
    _plausible_date(value.date())  # checked before converting, which fails at the ends of time
    return value


Text = Annotated[str, Field(min_length=1)]
# What names a subject (a booking, a case, a resource, a department, ...) is a key
# the stores index, and is held to the length of an ``id``: an index row of
# PostgreSQL holds at most 2,704 bytes, and a timeline key has four of them.
Ref = Annotated[str, Field(min_length=1, max_length=MAX_REF)]
Count = Annotated[StrictInt, Field(ge=1, le=MAX_UNITS)]
Nights = Annotated[StrictInt, Field(ge=1, le=MAX_RANGE_NIGHTS)]
NonNegative = Annotated[StrictInt, Field(ge=0, le=MAX_INTEGER)]
Money = Decimal
Date = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_plausible_date)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(_plausible_time)]


class Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BookingCreated(Data):
    booking_ref: Ref
    resource: Ref
    date: Date
    nights: Nights = 1
    units: Count = 1
    channel: Ref
    guest_ref: Ref
    amount: Money | None = None
    currency: Text | None = None


class BookingChanges(Data):
    resource: Ref | None = None
    date: Date | None = None
    nights: Nights | None = None
    units: Count | None = None
    channel: Ref | None = None
    guest_ref: Ref | None = None
    amount: Money | None = None
    currency: Text | None = None


class BookingModified(Data):
    booking_ref: Ref
    changes: BookingChanges
    reason: Text | None = None


class BookingCancelled(Data):
    booking_ref: Ref
    reason: Text | None = None


class BookingRef(Data):
    booking_ref: Ref


class BookingRelocated(Data):
    booking_ref: Ref
    to: Text
    reason: Text


class PaymentFailed(Data):
    attempt_ref: Ref
    guest_ref: Ref
    booking_ref: Ref | None = None
    reason: Text
    amount: Money | None = None
    currency: Text | None = None


class PaymentSucceeded(Data):
    attempt_ref: Ref
    guest_ref: Ref
    booking_ref: Ref | None = None


class InventorySet(Data):
    resource: Ref
    date: Date
    available: NonNegative


class InventoryRange(Data):
    resource: Ref
    from_: Date = Field(alias="from")
    to: Date
    channels: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _range_is_forward(self) -> InventoryRange:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        if (self.to - self.from_).days >= MAX_RANGE_NIGHTS:
            raise ValueError(f"a range may cover at most {MAX_RANGE_NIGHTS} dates")
        return self


class InventoryAcknowledged(Data):
    update_id: Ref
    channel: Ref


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


class ProcedureStep(Data):
    procedure: Ref
    step: Ref
    booking_ref: Ref | None = None
    contact_ref: Ref | None = None

    @model_validator(mode="after")
    def _names_a_subject(self) -> ProcedureStep:
        if not self.booking_ref and not self.contact_ref:
            raise ValueError("needs booking_ref or contact_ref")
        return self


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


DATA_MODELS: dict[str, type[Data]] = {
    "booking.created": BookingCreated,
    "booking.modified": BookingModified,
    "booking.cancelled": BookingCancelled,
    "booking.checked_in": BookingRef,
    "booking.no_show": BookingRef,
    "booking.relocated": BookingRelocated,
    "payment.failed": PaymentFailed,
    "payment.succeeded": PaymentSucceeded,
    "inventory.set": InventorySet,
    "inventory.closed": InventoryRange,
    "inventory.opened": InventoryRange,
    "inventory.acknowledged": InventoryAcknowledged,
    "contact.started": ContactStarted,
    "contact.held": ContactHeld,
    "contact.transferred": ContactTransferred,
    "contact.escalated": ContactEscalated,
    "contact.ended": ContactEnded,
    "procedure.step": ProcedureStep,
    "case.opened": CaseOpened,
    "case.assigned": CaseAssigned,
    "case.categorized": CaseCategorized,
    "case.escalated": CaseEscalated,
    "case.factor_added": CaseFactorAdded,
    "case.resolved": CaseResolved,
    "case.reopened": CaseReopened,
    "case.closed": CaseRef,
}

SOURCE_PATTERN = r"^[a-z][a-z0-9+.-]*:\S+$"
# application/json with or without parameters, or any +json type (CloudEvents JSON format).
JSON_MEDIA_TYPE = re.compile(r"(application/json|[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+\+json)\s*(;.*)?",
                             re.IGNORECASE | re.DOTALL)


def _json_media_type(value: Any) -> Any:
    if isinstance(value, str) and not JSON_MEDIA_TYPE.fullmatch(value):
        raise ValueError(f"must be a JSON media type such as application/json (got {quote(value)})")
    return value


JsonMediaType = Annotated[str, AfterValidator(_json_media_type)]


class Envelope(BaseModel):
    """The CloudEvents 1.0 attributes casetrail reads; other extensions are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: Ref
    source: Annotated[str, Field(pattern=SOURCE_PATTERN, max_length=MAX_REF)]
    type: str
    time: Timestamp
    reportedat: Timestamp | None = None
    actor: Text | None = None
    department: Ref | None = None
    actorrole: Ref | None = None
    # Absent means application/json: every JSON media type reads the same ``data``.
    datacontenttype: JsonMediaType | None = None
    data: dict[str, Any]

    @property
    def extensions(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """A valid inbound event: its envelope, typed data and canonical body hash."""

    envelope: Envelope
    data: Data
    body_hash: str
    # As decoded: a stored key's hash from an older release is checked against it.
    document: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.envelope.source, self.envelope.id)
