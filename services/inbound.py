"""The inbound contract (spec ``ingest-v1.md``) as pydantic models.

One model per event type for ``data``; all frozen and ``extra="forbid"`` so a
misspelt field is rejected instead of silently dropped. Integers are strict (a
string "2" is a wrong type, not a number).
"""

from __future__ import annotations

import datetime as dt
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

from domain.case import EvidenceRef, Priority
from domain.contact import Direction, EscalationLevel, Medium, Outcome

# A stop-sell is recorded per date it covers, and a stay or a count this long
# is a typo, not a plan.
MAX_RANGE_NIGHTS = 731
MAX_UNITS = 10_000
# Service dates and timestamps casetrail can add nights to and turn into UTC.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _text_only(value: Any) -> Any:
    """Dates and times travel as RFC 3339 text; a number is not a date."""
    if not isinstance(value, (str, dt.date)):
        raise ValueError("must be an RFC 3339 string")
    return value


def _plausible_date(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"date {value} is outside {EARLIEST.year}-{LATEST.year}")
    return value


def _plausible_time(value: dt.datetime) -> dt.datetime:
    _plausible_date(value.date())  # checked before converting, which fails at the ends of time
    return value


Text = Annotated[str, Field(min_length=1)]
Count = Annotated[StrictInt, Field(ge=1, le=MAX_UNITS)]
Nights = Annotated[StrictInt, Field(ge=1, le=MAX_RANGE_NIGHTS)]
NonNegative = Annotated[StrictInt, Field(ge=0)]
Money = Decimal
Date = Annotated[dt.date, BeforeValidator(_text_only), AfterValidator(_plausible_date)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_plausible_time)]


class Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BookingCreated(Data):
    booking_ref: Text
    resource: Text
    date: Date
    nights: Nights = 1
    units: Count = 1
    channel: Text
    guest_ref: Text
    amount: Money | None = None
    currency: str | None = None


class BookingChanges(Data):
    resource: Text | None = None
    date: Date | None = None
    nights: Nights | None = None
    units: Count | None = None
    channel: Text | None = None
    guest_ref: Text | None = None
    amount: Money | None = None
    currency: str | None = None


class BookingModified(Data):
    booking_ref: Text
    changes: BookingChanges
    reason: str | None = None


class BookingCancelled(Data):
    booking_ref: Text
    reason: str | None = None


class BookingRef(Data):
    booking_ref: Text


class BookingRelocated(Data):
    booking_ref: Text
    to: Text
    reason: Text


class PaymentFailed(Data):
    attempt_ref: Text
    guest_ref: Text
    booking_ref: str | None = None
    reason: Text
    amount: Money | None = None
    currency: str | None = None


class PaymentSucceeded(Data):
    attempt_ref: Text
    guest_ref: Text
    booking_ref: str | None = None


class InventorySet(Data):
    resource: Text
    date: Date
    available: NonNegative


class InventoryRange(Data):
    resource: Text
    from_: Date = Field(alias="from")
    to: Date
    channels: Annotated[list[Text], Field(min_length=1)]

    @model_validator(mode="after")
    def _range_is_forward(self) -> InventoryRange:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        if (self.to - self.from_).days >= MAX_RANGE_NIGHTS:
            raise ValueError(f"a range may cover at most {MAX_RANGE_NIGHTS} dates")
        return self


class InventoryAcknowledged(Data):
    update_id: Text
    channel: Text


class ContactStarted(Data):
    contact_ref: Text
    party_ref: Text
    medium: Medium
    direction: Direction
    topic: str | None = None
    booking_ref: str | None = None
    case_ref: str | None = None


class ContactHeld(Data):
    contact_ref: Text
    seconds: NonNegative


class ContactTransferred(Data):
    contact_ref: Text
    to_department: Text
    reason: str | None = None


class ContactEscalated(Data):
    contact_ref: Text
    level: EscalationLevel


class ContactEnded(Data):
    contact_ref: Text
    outcome: Outcome


class ProcedureStep(Data):
    procedure: Text
    step: Text
    booking_ref: str | None = None
    contact_ref: str | None = None

    @model_validator(mode="after")
    def _names_a_subject(self) -> ProcedureStep:
        if not self.booking_ref and not self.contact_ref:
            raise ValueError("needs booking_ref or contact_ref")
        return self


class CaseOpened(Data):
    case_ref: Text
    category: Text
    summary: Text
    party_ref: str | None = None
    booking_ref: str | None = None
    priority: Priority = "normal"


class CaseAssigned(Data):
    case_ref: Text
    department: Text
    agent: str | None = None


class CaseCategorized(Data):
    case_ref: Text
    category: Text


class CaseEscalated(Data):
    case_ref: Text
    level: Text


class CaseFactorAdded(Data):
    case_ref: Text
    code: Text
    department: Text
    explanation: Text
    evidence: list[EvidenceRef]


class CaseResolved(Data):
    case_ref: Text
    resolution: Text


class CaseReopened(Data):
    case_ref: Text
    reason: str | None = None


class CaseRef(Data):
    case_ref: Text


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


class Envelope(BaseModel):
    """The CloudEvents 1.0 attributes casetrail reads; other extensions are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Annotated[str, Field(pattern=SOURCE_PATTERN)]
    type: str
    time: Timestamp
    reportedat: Timestamp | None = None
    actor: str | None = None
    department: str | None = None
    actorrole: str | None = None
    datacontenttype: Literal["application/json"] | None = None
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

    @property
    def key(self) -> tuple[str, str]:
        return (self.envelope.source, self.envelope.id)
