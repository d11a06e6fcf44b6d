"""A payment attempt by a party, and whether the payment system took it."""

from __future__ import annotations

from casetrail.domain.model import Aggregate
from casetrail.domain.values import Data, Money, Ref, Text


class PaymentSucceeded(Data):
    attempt_ref: Ref
    guest_ref: Ref
    booking_ref: Ref | None = None


class PaymentFailed(PaymentSucceeded):
    reason: Text
    amount: Money | None = None
    currency: Text | None = None


class PaymentAttempt(Aggregate):
    class Fact(Aggregate.Fact):
        attempt_ref: str

    class Failed(PaymentFailed, Fact):
        pass

    class Succeeded(PaymentSucceeded, Fact):
        pass
