"""A booking: a stay or a seat sold on some channel, and what became of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from casetrail.domain.model import Aggregate


class Booking(Aggregate):
    class Fact(Aggregate.Fact):
        booking_ref: str

    class Created(Fact):
        resource: str
        date: dt.date
        nights: int = 1
        units: int = 1
        channel: str
        guest_ref: str
        amount: Decimal | None = None
        currency: str | None = None

    class Modified(Fact):
        changes: dict[str, Any]
        reason: str | None = None

    class Cancelled(Fact):
        reason: str | None = None

    class CheckedIn(Fact):
        pass

    class NoShow(Fact):
        pass

    class Relocated(Fact):
        to: str
        reason: str

    class ProcedureStepRecorded(Fact):
        procedure: str
        step: str
