"""Generated inbound traffic with the mix of a hotel group's day-to-day feeds.

Deterministic for a seed, valid against the inbound contract, and spread over
many bookings, contacts and resource nights, with several events per subject.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

PROPERTIES = ["seaside", "harbour", "old-town", "airport", "riverside"]
ROOM_TYPES = ["standard", "deluxe", "suite", "family"]
OTAS = ["ota:booking.com", "ota:expedia", "ota:agoda", "ota:traveloka"]
CHANNELS = [*OTAS, "phone", "direct_web", "walk_in", "email"]
OFFSET = timezone(timedelta(hours=7))
START = datetime(2024, 1, 1, 8, 0, tzinfo=OFFSET)


def generate_events(count: int, seed: int = 7) -> list[bytes]:
    """``count`` JSON Lines CloudEvents: about 30% bookings, 15% inventory,
    10% payments, 35% contacts and 10% cases."""
    return list(stream_events(count, seed))


def stream_events(count: int, seed: int = 7) -> Iterator[bytes]:
    """The same events as ``generate_events``, one at a time, for logs too large to hold."""
    chance = random.Random(seed)
    clock = START
    stories = [_booking_story, _inventory_story, _payment_story, _contact_story, _case_story]
    weights = [30 / 3.2, 15 / 2.5, 10 / 2.0, 35 / 4.0, 10 / 2.5]  # share / events per story
    number = produced = 0
    while produced < count:
        clock += timedelta(seconds=chance.randint(1, 40))
        story = chance.choices(stories, weights)[0]
        for event in story(chance, number, clock):
            if produced == count:
                return
            produced += 1
            yield json.dumps(event, separators=(",", ":")).encode()
        number += 1


def _event(kind: str, source: str, key: str, at: datetime, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": key, "source": source, "type": kind, "time": at.isoformat(),
            "data": data, **extra}


def _resource(chance: random.Random) -> str:
    return f"{chance.choice(PROPERTIES)}:{chance.choice(ROOM_TYPES)}"


def _night(chance: random.Random, at: datetime) -> date:
    return at.date() + timedelta(days=chance.randint(1, 120))


def _booking_story(chance: random.Random, n: int, at: datetime) -> Iterator[dict[str, Any]]:
    channel = chance.choice(CHANNELS)
    source = channel if channel.startswith("ota:") else "pms:" + chance.choice(PROPERTIES)
    ref, night = f"B-{n}", _night(chance, at)
    yield _event("booking.created", source, f"bk-{n}", at, {
        "booking_ref": ref, "resource": _resource(chance), "date": night.isoformat(),
        "nights": chance.randint(1, 5), "units": chance.choice([1, 1, 1, 2]), "channel": channel,
        "guest_ref": f"g-{chance.randint(1, 30_000)}", "amount": f"{chance.randint(60, 900)}.00", "currency": "EUR"})
    later = at + timedelta(hours=chance.randint(1, 72))
    ending = chance.random()
    if ending < 0.2:
        yield _event("booking.modified", source, f"bk-{n}-m", later,
                     {"booking_ref": ref, "changes": {"nights": chance.randint(1, 6)}, "reason": "guest request"})
    if ending < 0.3:
        yield _event("booking.cancelled", source, f"bk-{n}-x", later + timedelta(hours=1), {"booking_ref": ref})
    else:
        arrival = datetime.combine(night, datetime.min.time(), OFFSET) + timedelta(hours=15)
        kind = "booking.no_show" if ending > 0.95 else "booking.checked_in"
        yield _event(kind, "pms:" + chance.choice(PROPERTIES), f"bk-{n}-a", arrival, {"booking_ref": ref},
                     department="front_office")


def _inventory_story(chance: random.Random, n: int, at: datetime) -> Iterator[dict[str, Any]]:
    resource, night = _resource(chance), _night(chance, at)
    source = "pms:" + resource.split(":")[0]
    yield _event("inventory.set", source, f"inv-{n}", at,
                 {"resource": resource, "date": night.isoformat(), "available": chance.randint(0, 30)})
    if chance.random() < 0.5:
        last = night + timedelta(days=chance.randint(0, 2))
        yield _event("inventory.closed", source, f"ss-{n}", at + timedelta(minutes=5), {
            "resource": resource, "from": night.isoformat(), "to": last.isoformat(), "channels": ["*"]})
        for ota in chance.sample(OTAS, 2):
            yield _event("inventory.acknowledged", ota, f"ack-{n}-{ota}", at + timedelta(minutes=chance.randint(6, 20)),
                         {"update_id": f"ss-{n}", "channel": ota})


def _payment_story(chance: random.Random, n: int, at: datetime) -> Iterator[dict[str, Any]]:
    guest = f"g-{chance.randint(1, 30_000)}"
    if chance.random() < 0.5:
        yield _event("payment.failed", "web:checkout", f"pay-{n}-f", at, {
            "attempt_ref": f"A-{n}-1", "guest_ref": guest, "reason": chance.choice(["card_declined", "expired_card"]),
            "amount": "240.00", "currency": "EUR"})
    yield _event("payment.succeeded", "web:checkout", f"pay-{n}-s", at + timedelta(minutes=2),
                 {"attempt_ref": f"A-{n}-2", "guest_ref": guest})


def _contact_story(chance: random.Random, n: int, at: datetime) -> Iterator[dict[str, Any]]:
    ref, desk = f"C-{n}", chance.choice(["phone:pbx", "mail:desk", "phone:member-desk"])
    yield _event("contact.started", desk, f"c-{n}-s", at, {
        "contact_ref": ref, "party_ref": f"g-{chance.randint(1, 30_000)}", "medium": "phone",
        "direction": "inbound", "topic": chance.choice(["refund", "rate", "loyalty", "website"])},
        actor=f"agent-{chance.randint(1, 80)}")
    if chance.random() < 0.5:
        yield _event("contact.held", desk, f"c-{n}-h", at + timedelta(minutes=1),
                     {"contact_ref": ref, "seconds": chance.randint(10, 900)})
    if chance.random() < 0.3:
        yield _event("contact.transferred", desk, f"c-{n}-t", at + timedelta(minutes=3),
                     {"contact_ref": ref, "to_department": chance.choice(["billing", "reservations", "sales"])})
    yield _event("contact.ended", desk, f"c-{n}-e", at + timedelta(minutes=9),
                 {"contact_ref": ref, "outcome": chance.choice(["resolved", "resolved", "unresolved"])})


def _case_story(chance: random.Random, n: int, at: datetime) -> Iterator[dict[str, Any]]:
    ref = f"K-{n}"
    yield _event("case.opened", "helpdesk:zendesk", f"k-{n}-o", at, {
        "case_ref": ref, "category": chance.choice(["payment", "rate_discrepancy", "website", "terms"]),
        "summary": "guest complaint", "party_ref": f"g-{chance.randint(1, 30_000)}", "priority": "normal"})
    yield _event("case.assigned", "helpdesk:zendesk", f"k-{n}-a", at + timedelta(minutes=10),
                 {"case_ref": ref, "department": "customer_service"})
    if chance.random() < 0.7:
        yield _event("case.resolved", "helpdesk:zendesk", f"k-{n}-r", at + timedelta(days=chance.randint(1, 9)),
                     {"case_ref": ref, "resolution": "answered"})
