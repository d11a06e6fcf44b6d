"""Which aggregate each inbound type speaks of, and which event it records there.

Every target is keyed by the natural key in the event's data (``domain.ids``),
so the same input always lands on the same stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from casetrail.domain import ids
from casetrail.domain.booking import Booking
from casetrail.domain.case import Case
from casetrail.domain.contact import Contact
from casetrail.domain.inventory import Inventory, InventoryUpdate
from casetrail.domain.model import Aggregate
from casetrail.domain.payment import PaymentAttempt
from casetrail.services import inbound


@dataclass(frozen=True)
class Target:
    """One event to record on one aggregate."""

    aggregate_class: type[Aggregate]
    aggregate_id: UUID
    event_class: type[Aggregate.Event]
    fields: dict[str, Any]


def targets(event_type: str, data: inbound.Data) -> list[Target]:
    return _ROUTES[event_type](data)


def _fields(data: inbound.Data) -> dict[str, Any]:
    return data.model_dump(exclude_none=True)


def _by_ref(
    aggregate_class: type[Aggregate], make_id: Callable[[str], UUID], ref_field: str,
    event_class: type[Aggregate.Event],
) -> Callable[[Any], list[Target]]:
    def route(data: Any) -> list[Target]:
        return [Target(aggregate_class, make_id(getattr(data, ref_field)), event_class, _fields(data))]

    return route


def _booking(event_class: type[Aggregate.Event]) -> Callable[[Any], list[Target]]:
    return _by_ref(Booking, ids.booking_id, "booking_ref", event_class)


def _payment(event_class: type[Aggregate.Event]) -> Callable[[Any], list[Target]]:
    return _by_ref(PaymentAttempt, ids.payment_attempt_id, "attempt_ref", event_class)


def _contact(event_class: type[Aggregate.Event]) -> Callable[[Any], list[Target]]:
    return _by_ref(Contact, ids.contact_id, "contact_ref", event_class)


def _case(event_class: type[Aggregate.Event]) -> Callable[[Any], list[Target]]:
    return _by_ref(Case, ids.case_id, "case_ref", event_class)


def _inventory_set(data: inbound.InventorySet) -> list[Target]:
    fields = {"resource": data.resource, "night": data.date, "available": data.available}
    return [Target(Inventory, ids.inventory_id(data.resource, data.date), Inventory.AvailabilitySet, fields)]


def _inventory_range(event_class: type[Aggregate.Event]) -> Callable[[Any], list[Target]]:
    # A stop-sell is recorded on every night it covers, so each night's stream
    # knows which channels may sell it.
    def route(data: inbound.InventoryRange) -> list[Target]:
        nights = (data.from_ + timedelta(days=n) for n in range((data.to - data.from_).days + 1))
        return [
            Target(
                Inventory,
                ids.inventory_id(data.resource, night),
                event_class,
                {
                    "resource": data.resource,
                    "night": night,
                    "from_date": data.from_,
                    "to_date": data.to,
                    "channels": list(data.channels),
                },
            )
            for night in nights
        ]

    return route


_acknowledged = _by_ref(InventoryUpdate, ids.inventory_update_id, "update_id", InventoryUpdate.Acknowledged)


def _procedure_step(data: inbound.ProcedureStep) -> list[Target]:
    step = {"procedure": data.procedure, "step": data.step}
    found = []
    if data.booking_ref:
        found.append(
            Target(Booking, ids.booking_id(data.booking_ref), Booking.ProcedureStepRecorded,
                   {"booking_ref": data.booking_ref, **step})
        )
    if data.contact_ref:
        found.append(
            Target(Contact, ids.contact_id(data.contact_ref), Contact.ProcedureStepRecorded,
                   {"contact_ref": data.contact_ref, **step})
        )
    return found


_ROUTES: dict[str, Callable[[Any], list[Target]]] = {
    "booking.created": _booking(Booking.Created),
    "booking.modified": _booking(Booking.Modified),
    "booking.cancelled": _booking(Booking.Cancelled),
    "booking.checked_in": _booking(Booking.CheckedIn),
    "booking.no_show": _booking(Booking.NoShow),
    "booking.relocated": _booking(Booking.Relocated),
    "payment.failed": _payment(PaymentAttempt.Failed),
    "payment.succeeded": _payment(PaymentAttempt.Succeeded),
    "inventory.set": _inventory_set,
    "inventory.closed": _inventory_range(Inventory.Closed),
    "inventory.opened": _inventory_range(Inventory.Opened),
    "inventory.acknowledged": _acknowledged,
    "contact.started": _contact(Contact.Started),
    "contact.held": _contact(Contact.Held),
    "contact.transferred": _contact(Contact.Transferred),
    "contact.escalated": _contact(Contact.Escalated),
    "contact.ended": _contact(Contact.Ended),
    "procedure.step": _procedure_step,
    "case.opened": _case(Case.Opened),
    "case.assigned": _case(Case.Assigned),
    "case.categorized": _case(Case.Categorized),
    "case.escalated": _case(Case.Escalated),
    "case.factor_added": _case(Case.FactorAdded),
    "case.resolved": _case(Case.Resolved),
    "case.reopened": _case(Case.Reopened),
    "case.closed": _case(Case.Closed),
}
