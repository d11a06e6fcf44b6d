"""Deterministic aggregate ids: a uuid5 of each subject's natural key.

The same booking ref, contact ref, case ref or resource night always gives
the same id, so a redelivered or late event finds the stream it belongs to.
"""

from datetime import date
from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("5d0c6f1e-8a3b-4c57-9e2a-2f6b1c9d7e41")
# Busy subjects come back batch after batch; uuid5 is slow enough to be worth remembering.
# One bound for every kind of subject: about 250 bytes an id, some 12 MB in all (a bound of
# 200,000 per kind held over 200 MB once a long stream had named that many of each).
REMEMBERED = 50_000


@lru_cache(maxsize=REMEMBERED)
def _id(key: str) -> UUID:
    return uuid5(NAMESPACE, key)


def booking_id(booking_ref: str) -> UUID:
    return _id(f"booking:{booking_ref}")


def inventory_id(resource: str, night: date) -> UUID:
    return _id(f"inventory:{resource}:{night.isoformat()}")


def inventory_update_id(update_id: str) -> UUID:
    return _id(f"inventory-update:{update_id}")


def payment_attempt_id(attempt_ref: str) -> UUID:
    return _id(f"payment-attempt:{attempt_ref}")


def contact_id(contact_ref: str) -> UUID:
    return _id(f"contact:{contact_ref}")


def case_id(case_ref: str) -> UUID:
    return _id(f"case:{case_ref}")


def party_id(party_ref: str) -> UUID:
    return _id(f"party:{party_ref}")
