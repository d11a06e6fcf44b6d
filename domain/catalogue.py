"""The event catalogue: every event type casetrail records, each declared once.

An entry says what the type's ``data`` is (a pydantic model, which is also the
payload of the event stored), which streams it lands on and by which natural
key, which subjects it names for the timeline and the detectors, and the line
a person reads for it. Parsing, routing, the timeline, the summaries and the
detectors' scope read these entries; adding a type is adding an entry.

Most types arrive from outside (``ingest-v1.md``); a few are recorded only by
casetrail's own case desk, and are listed so that their timeline rows read the
same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from casetrail.domain import ids
from casetrail.domain.booking import (
    Booking,
    BookingCancelled,
    BookingCreated,
    BookingModified,
    BookingRef,
    BookingRelocated,
)
from casetrail.domain.case import (
    Case,
    CaseAssigned,
    CaseCategorized,
    CaseEscalated,
    CaseFactorAdded,
    CaseOpened,
    CaseRef,
    CaseReopened,
    CaseResolved,
    CaseSla,
)
from casetrail.domain.contact import (
    Contact,
    ContactEnded,
    ContactEscalated,
    ContactHeld,
    ContactStarted,
    ContactTransferred,
)
from casetrail.domain.inventory import (
    Inventory,
    InventoryAcknowledged,
    InventoryRange,
    InventorySet,
    InventoryUpdate,
)
from casetrail.domain.model import Aggregate
from casetrail.domain.party import Party, PartyErased
from casetrail.domain.payment import PaymentAttempt, PaymentFailed, PaymentSucceeded
from casetrail.domain.procedures import ProcedureStep

ContractData = dict[str, Any]  # an event's data as the contract names its fields
# What a detector looks at an event for; the names are those of the detectors' scope.
Concern = Literal["nights", "rebooked", "acknowledged", "payers", "contacts", "parties_with_cases"]


@dataclass(frozen=True)
class Stream:
    """An aggregate's streams, each named by the natural key in some data fields (``domain.ids``)."""

    aggregate: type[Aggregate]
    key: tuple[str, ...]
    stream_id: Callable[..., UUID]


BOOKING = Stream(Booking, ("booking_ref",), ids.booking_id)
PAYMENT = Stream(PaymentAttempt, ("attempt_ref",), ids.payment_attempt_id)
NIGHT = Stream(Inventory, ("resource", "night"), ids.inventory_id)
UPDATE = Stream(InventoryUpdate, ("update_id",), ids.inventory_update_id)
CONTACT = Stream(Contact, ("contact_ref",), ids.contact_id)
CASE = Stream(Case, ("case_ref",), ids.case_id)
PARTY = Stream(Party, ("party_ref",), ids.party_id)


@dataclass(frozen=True)
class Landing:
    """One stream an event is stored on, as ``event``; skipped when the data does not name the stream.

    ``each_night`` names the data fields of a range of dates: the event is then stored on the
    stream of every night it covers, so that each night's stream knows what holds it.
    """

    stream: Stream
    event: type[Aggregate.Event]
    each_night: tuple[str, str] | None = None

    @cached_property
    def stored_fields(self) -> frozenset[str]:
        # Asked for every event stored; pydantic's model_fields is a property that costs microseconds.
        return frozenset(self.event.model_fields)


@dataclass(frozen=True)
class NightsNamed:
    """Which data fields name a resource and its service dates: the first, and either the last
    or the number of nights (default 1), all inside the object ``within`` if given (whose own
    fields have no aliases)."""

    resource: str
    first: str
    last: str | None = None
    count: str | None = None
    within: str | None = None


@dataclass(frozen=True)
class Subjects:
    """The data fields naming what an event speaks of; the timeline indexes it under each."""

    booking: str | None = None
    contact: str | None = None
    case: str | None = None
    party: str | None = None  # a list names its first party
    update: str | None = None  # the inventory update it acknowledges
    nights: NightsNamed | None = None


# Set by the library on every stored event; not part of what was reported.
RECORDING_FIELDS = frozenset(Aggregate.Fact.model_fields)


@dataclass(frozen=True)
class EventType:
    """One event type: its data model, where it is stored, what it names, how it reads."""

    name: str
    data: type[BaseModel]
    lands_on: tuple[Landing, ...]
    summary: Callable[[ContractData], str]
    subjects: Subjects = Subjects()
    concerns: frozenset[Concern] = frozenset()
    accepted: bool = True  # False: recorded by the case desk only, refused from outside
    # Data fields of free text about the party ``subjects.party`` names: stored sealed with that
    # party's key, so that erasing the party makes them unreadable (``services.personal_data``).
    personal: frozenset[str] = frozenset()
    # Stored field names whose contract names differ (the model's aliases), and the stored
    # fields the contract does not have (a night's key, added by its landing).
    _contract_names: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _not_reported: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = self.data.model_fields
        renamed = {name: info.alias for name, info in fields.items() if info.alias and info.alias != name}
        keys = {key for landing in self.lands_on for key in landing.stream.key if key not in fields}
        object.__setattr__(self, "_contract_names", renamed)
        object.__setattr__(self, "_not_reported", RECORDING_FIELDS | keys)

    def contract_data(self, state: Mapping[str, Any]) -> ContractData:
        """A stored event's state (JSON) as the contract names the event's data."""
        names, dropped = self._contract_names, self._not_reported
        return {names.get(k, k): v for k, v in state.items() if k not in dropped}

    def _contract_name(self, field_name: str) -> str:
        return self._contract_names.get(field_name, field_name)

    def nights_named(self, data: ContractData) -> tuple[str | None, str | None, str | None]:
        """The resource and the first and last service dates (ISO text) that ``data`` speaks of."""
        named = self.subjects.nights
        if named is None:
            return None, None, None
        fields = data[named.within] if named.within else data
        first = fields.get(self._contract_name(named.first))
        if first is None:
            return None, None, None
        if named.last is not None:
            last = fields[self._contract_name(named.last)]
        else:
            count = fields.get(named.count, 1) if named.count else 1
            last = (date.fromisoformat(first) + timedelta(days=count - 1)).isoformat()
        return fields.get(self._contract_name(named.resource)), first, last


# Wording shared by the summaries.
def _range(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def _channels(channels: list[str]) -> str:
    return "all channels" if "*" in channels else ", ".join(channels)


def _because(data: ContractData, key: str = "reason") -> str:
    return f" ({data[key]})" if data.get(key) else ""


def _money(data: ContractData) -> str:
    return f" ({data['amount']} {data.get('currency', '')})".rstrip() if data.get("amount") else ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _booking_created(d: ContractData) -> str:
    return (f"booking {d['booking_ref']} for {d['resource']} from {d['date']}, {_plural(d.get('nights', 1), 'night')}, "
            f"{_plural(d.get('units', 1), 'unit')} via {d['channel']}{_money(d)}")


def _booking_modified(d: ContractData) -> str:
    changes = ", ".join(f"{k} {v}" for k, v in sorted(d["changes"].items()))
    return f"booking {d['booking_ref']} changed: {changes}{_because(d)}"


def _contact_started(d: ContractData) -> str:
    toward = "from" if d["direction"] == "inbound" else "to"
    topic = f": {d['topic']}" if d.get("topic") else ""
    return f"{d['direction']} {d['medium']} contact {d['contact_ref']} {toward} {d['party_ref']}{topic}"


def _held(d: ContractData) -> str:
    minutes, seconds = divmod(d["seconds"], 60)
    return f"contact {d['contact_ref']} on hold {minutes} min {seconds:02d} s"


def _procedure_step(d: ContractData) -> str:
    subject = f"booking {d['booking_ref']}" if d.get("booking_ref") else f"contact {d['contact_ref']}"
    return f"{d['procedure']} step {d['step']} done for {subject}"


def _sla(happened: str) -> Callable[[ContractData], str]:
    def summary(d: ContractData) -> str:
        clock = d["metric"].replace("_", " ") + (f" {d['cycle']}" if d["metric"] == "next_reply" else "")
        used = f"{d['elapsed_seconds'] // 60} of {d['target_seconds'] // 60} business minutes"
        return f"{clock} clock {happened} ({d['policy']} v{d['policy_version']}, {used})"
    return summary


def _linked(d: ContractData) -> str:
    return "linked " + ", ".join(f"{name.removesuffix('_refs')} {', '.join(d[name])}"
                                 for name in ("booking_refs", "party_refs", "contact_refs") if d.get(name))


_BOOKED = Subjects(booking="booking_ref")
_PAID = Subjects(booking="booking_ref", party="guest_ref")
_CONTACTED = Subjects(contact="contact_ref")
_CASED = Subjects(case="case_ref")
_STAY = NightsNamed(resource="resource", first="date", count="nights")

ENTRIES = (
    EventType("booking.created", BookingCreated, (Landing(BOOKING, Booking.Created),), _booking_created,
              Subjects(booking="booking_ref", party="guest_ref", nights=_STAY), frozenset({"nights"})),
    EventType("booking.modified", BookingModified, (Landing(BOOKING, Booking.Modified),), _booking_modified,
              Subjects(booking="booking_ref", nights=NightsNamed(resource="resource", first="date", count="nights",
                                                                 within="changes")),
              frozenset({"rebooked"})),
    EventType("booking.cancelled", BookingCancelled, (Landing(BOOKING, Booking.Cancelled),),
              lambda d: f"booking {d['booking_ref']} cancelled{_because(d)}", _BOOKED, frozenset({"rebooked"})),
    EventType("booking.checked_in", BookingRef, (Landing(BOOKING, Booking.CheckedIn),),
              lambda d: f"booking {d['booking_ref']} checked in", _BOOKED),
    EventType("booking.no_show", BookingRef, (Landing(BOOKING, Booking.NoShow),),
              lambda d: f"booking {d['booking_ref']} no-show", _BOOKED),
    EventType("booking.relocated", BookingRelocated, (Landing(BOOKING, Booking.Relocated),),
              lambda d: f"booking {d['booking_ref']} relocated to {d['to']}{_because(d)}", _BOOKED),
    EventType("payment.failed", PaymentFailed, (Landing(PAYMENT, PaymentAttempt.Failed),),
              lambda d: f"payment {d['attempt_ref']} by {d['guest_ref']} failed: {d['reason']}{_money(d)}",
              _PAID, frozenset({"payers"})),
    EventType("payment.succeeded", PaymentSucceeded, (Landing(PAYMENT, PaymentAttempt.Succeeded),),
              lambda d: f"payment {d['attempt_ref']} by {d['guest_ref']} succeeded", _PAID),
    EventType("inventory.set", InventorySet, (Landing(NIGHT, Inventory.AvailabilitySet),),
              lambda d: f"{d['resource']} {d['date']}: {d['available']} available",
              Subjects(nights=NightsNamed(resource="resource", first="night", last="night")), frozenset({"nights"})),
    EventType("inventory.closed", InventoryRange,
              (Landing(NIGHT, Inventory.Closed, each_night=("from_date", "to_date")),),
              lambda d: f"stop-sell {d['resource']} {_range(d['from'], d['to'])} on {_channels(d['channels'])}",
              Subjects(nights=NightsNamed(resource="resource", first="from_date", last="to_date")),
              frozenset({"nights"})),
    EventType("inventory.opened", InventoryRange,
              (Landing(NIGHT, Inventory.Opened, each_night=("from_date", "to_date")),),
              lambda d: f"stop-sell lifted {d['resource']} {_range(d['from'], d['to'])} on {_channels(d['channels'])}",
              Subjects(nights=NightsNamed(resource="resource", first="from_date", last="to_date")),
              frozenset({"nights"})),
    EventType("inventory.acknowledged", InventoryAcknowledged, (Landing(UPDATE, InventoryUpdate.Acknowledged),),
              lambda d: f"{d['channel']} acknowledged update {d['update_id']}", Subjects(update="update_id"),
              frozenset({"acknowledged"})),
    EventType("contact.started", ContactStarted, (Landing(CONTACT, Contact.Started),), _contact_started,
              Subjects(booking="booking_ref", contact="contact_ref", case="case_ref", party="party_ref"),
              frozenset({"contacts"}), personal=frozenset({"topic"})),
    EventType("contact.held", ContactHeld, (Landing(CONTACT, Contact.Held),), _held, _CONTACTED,
              frozenset({"contacts"})),
    EventType("contact.transferred", ContactTransferred, (Landing(CONTACT, Contact.Transferred),),
              lambda d: f"contact {d['contact_ref']} transferred to {d['to_department']}{_because(d)}", _CONTACTED,
              frozenset({"contacts"})),
    EventType("contact.escalated", ContactEscalated, (Landing(CONTACT, Contact.Escalated),),
              lambda d: f"contact {d['contact_ref']} escalated to {d['level']}", _CONTACTED, frozenset({"contacts"})),
    EventType("contact.ended", ContactEnded, (Landing(CONTACT, Contact.Ended),),
              lambda d: f"contact {d['contact_ref']} ended: {d['outcome']}", _CONTACTED, frozenset({"contacts"})),
    EventType("procedure.step", ProcedureStep,
              (Landing(BOOKING, Booking.ProcedureStepRecorded), Landing(CONTACT, Contact.ProcedureStepRecorded)),
              _procedure_step, Subjects(booking="booking_ref", contact="contact_ref")),
    EventType("case.opened", CaseOpened, (Landing(CASE, Case.Opened),),
              lambda d: f"case {d['case_ref']} opened: {d['summary']} ({d['category']}, {d.get('priority', 'normal')})",
              Subjects(booking="booking_ref", case="case_ref", party="party_ref"), frozenset({"parties_with_cases"}),
              personal=frozenset({"summary"})),
    EventType("case.assigned", CaseAssigned, (Landing(CASE, Case.Assigned),),
              lambda d: f"case {d['case_ref']} assigned to {d['department']}" + (
                  f" ({d['agent']})" if d.get("agent") else ""), _CASED),
    EventType("case.categorized", CaseCategorized, (Landing(CASE, Case.Categorized),),
              lambda d: f"case {d['case_ref']} categorized as {d['category']}", _CASED),
    EventType("case.escalated", CaseEscalated, (Landing(CASE, Case.Escalated),),
              lambda d: f"case {d['case_ref']} escalated to {d['level']}", _CASED),
    EventType("case.factor_added", CaseFactorAdded, (Landing(CASE, Case.FactorAdded),),
              lambda d: f"factor {d['code']} added against {d['department']}: {d['explanation']}", _CASED),
    EventType("case.resolved", CaseResolved, (Landing(CASE, Case.Resolved),),
              lambda d: f"case {d['case_ref']} resolved: {d['resolution']}", _CASED),
    EventType("case.reopened", CaseReopened, (Landing(CASE, Case.Reopened),),
              lambda d: f"case {d['case_ref']} reopened{_because(d)}", _CASED),
    EventType("case.closed", CaseRef, (Landing(CASE, Case.Closed),), lambda d: f"case {d['case_ref']} closed", _CASED),
    # Recorded by the case desk only.
    EventType("case.linked", Case.Linked, (Landing(CASE, Case.Linked),), _linked,
              Subjects(case="case_ref", party="party_refs"), accepted=False),
    EventType("case.factor_proposed", Case.FactorProposed, (Landing(CASE, Case.FactorProposed),),
              lambda d: f"factor {d['code']} proposed against {d['department']}: {d['explanation']}", _CASED,
              accepted=False),
    EventType("case.factor_confirmed", Case.FactorConfirmed, (Landing(CASE, Case.FactorConfirmed),),
              lambda d: f"factor {d['code']} ({d['department']}) confirmed: {d['rationale']}", _CASED, accepted=False),
    EventType("case.factor_rejected", Case.FactorRejected, (Landing(CASE, Case.FactorRejected),),
              lambda d: f"factor {d['code']} ({d['department']}) rejected: {d['rationale']}", _CASED, accepted=False),
    # Service-level clocks, recorded by the case desk only (docs/sla.md).
    *(EventType(f"sla.{kind}", CaseSla, (Landing(CASE, event),), _sla(happened), _CASED, accepted=False)
      for kind, event, happened in (("activated", Case.SlaActivated, "started"), ("paused", Case.SlaPaused, "paused"),
                                    ("resumed", Case.SlaResumed, "resumed"),
                                    ("warning", Case.SlaWarned, "past its warning share"),
                                    ("fulfilled", Case.SlaFulfilled, "stopped"),
                                    ("breached", Case.SlaBreached, "breached"))),
    # Recorded by ``casetrail erase`` only.
    EventType("party.erased", PartyErased, (Landing(PARTY, Party.Erased),),
              lambda d: f"the personal data of {d['party_ref']} was erased ({d['reason']})", Subjects(party="party_ref"),
              accepted=False),
)

CATALOGUE: dict[str, EventType] = {entry.name: entry for entry in ENTRIES}
# The types an entrance accepts, as the contract lists them.
ACCEPTED: dict[str, EventType] = {entry.name: entry for entry in ENTRIES if entry.accepted}

