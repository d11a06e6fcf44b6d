"""A payment attempt by a party, and whether the payment system took it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.model import Aggregate


class PaymentAttempt(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.attempt_ref: str | None = None
        self.guest_ref: str | None = None
        self.outcome = "unknown"

    class Fact(Aggregate.Fact):
        attempt_ref: str
        guest_ref: str
        booking_ref: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.attempt_ref = self.attempt_ref
            aggregate.guest_ref = self.guest_ref

    class Failed(Fact):
        reason: str
        amount: Decimal | None = None
        currency: str | None = None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.outcome = "failed"

    class Succeeded(Fact):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.outcome = "succeeded"
