"""Deterministic aggregate ids: a uuid5 of each subject's natural key.

The same booking ref, contact ref, case ref or resource night always gives
the same id, so a redelivered or late event finds the stream it belongs to.
"""

from datetime import date
from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("5d0c6f1e-8a3b-4c57-9e2a-2f6b1c9d7e41")
# Busy subjects come back batch after batch; uuid5 is slow enough to be worth remembering.
_remembered = lru_cache(maxsize=200_000)


@_remembered
def booking_id(booking_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"booking:{booking_ref}")


@_remembered
def inventory_id(resource: str, night: date) -> UUID:
    return uuid5(NAMESPACE, f"inventory:{resource}:{night.isoformat()}")


@_remembered
def inventory_update_id(update_id: str) -> UUID:
    return uuid5(NAMESPACE, f"inventory-update:{update_id}")


@_remembered
def payment_attempt_id(attempt_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"payment-attempt:{attempt_ref}")


@_remembered
def contact_id(contact_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"contact:{contact_ref}")


@_remembered
def case_id(case_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"case:{case_ref}")
