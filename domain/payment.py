"""A payment attempt by a party, and whether the payment system took it."""

from __future__ import annotations

from decimal import Decimal

from casetrail.domain.model import Aggregate


class PaymentAttempt(Aggregate):
    class Fact(Aggregate.Fact):
        attempt_ref: str
        guest_ref: str
        booking_ref: str | None = None

    class Failed(Fact):
        reason: str
        amount: Decimal | None = None
        currency: str | None = None

    class Succeeded(Fact):
        pass
