"""A booking: a stay or a seat sold on some channel, and what became of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from domain.model import Aggregate


class Booking(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.booking_ref: str | None = None
        self.resource: str | None = None
        self.nights = 1
        self.units = 1
        self.channel: str | None = None
        self.status = "unknown"
        self.steps_done: set[tuple[str, str]] = set()

    class Fact(Aggregate.Fact):
        booking_ref: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.booking_ref = self.booking_ref

    class Created(Fact):
        resource: str
        date: dt.date
        nights: int = 1
        units: int = 1
        channel: str
        guest_ref: str
        amount: Decimal | None = None
        currency: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.resource = self.resource
            aggregate.nights = self.nights
            aggregate.units = self.units
            aggregate.channel = self.channel
            if aggregate.status == "unknown":
                aggregate.status = "booked"

    class Modified(Fact):
        changes: dict[str, Any]
        reason: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            for name in ("resource", "nights", "units", "channel"):
                if name in self.changes:
                    setattr(aggregate, name, self.changes[name])

    class Cancelled(Fact):
        reason: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "cancelled"

    class CheckedIn(Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "checked_in"

    class NoShow(Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "no_show"

    class Relocated(Fact):
        to: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = "relocated"

    class ProcedureStepRecorded(Fact):
        procedure: str
        step: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.steps_done.add((self.procedure, self.step))
