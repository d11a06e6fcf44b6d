"""A booking: a stay or a seat sold on some channel, and what became of it.

Each event's payload is its inbound ``data`` model (``domain.values``): the
fields are declared once, for the contract and the store alike.
"""

from __future__ import annotations

from casetrail.domain.model import Aggregate
from casetrail.domain.procedures import Step
from casetrail.domain.values import Count, Data, Date, Money, Nights, Ref, Text


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


# The data model comes first among the bases, so that a stored event's fields keep the
# order they had: the library's, the provenance, then the data's.
class Booking(Aggregate):
    class Fact(Aggregate.Fact):
        booking_ref: str

    class Created(BookingCreated, Fact):
        pass

    class Modified(BookingModified, Fact):
        pass

    class Cancelled(BookingCancelled, Fact):
        pass

    class CheckedIn(BookingRef, Fact):
        pass

    class NoShow(BookingRef, Fact):
        pass

    class Relocated(BookingRelocated, Fact):
        pass

    class ProcedureStepRecorded(Step, Fact):
        pass
