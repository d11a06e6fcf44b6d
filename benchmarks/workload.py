"""A hotel group's inbound feeds as JSON Lines CloudEvents (spec ``ingest-v1.md``).

Deterministic for a seed and valid throughout, so any rejection is a bug. Each
subject is a short story (a booking is created, maybe modified, then cancelled
or checked in). Stories start at random moments, and the workload is what the
feeds deliver in a four-week window, in the order it happened: a steady mix
in which a subject's events are interleaved with everyone else's and land in
different batches, and some subjects began before the window.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

Event = dict[str, Any]
Story = Callable[[random.Random, int, datetime], Iterator[Event]]

# Properties in three time zones, so offsets vary as they do across a group.
PROPERTIES = {"seaside": 7, "harbour": 7, "old-town": 8, "riverside": 8, "airport": 7, "hillside": 9,
              "bayview": 9, "lagoon": 7, "citycentre": 8, "marina": 7, "garden": 8, "summit": 9}
ROOM_TYPES = ["standard", "superior", "deluxe", "family", "suite"]
OTAS = ["ota:booking.com", "ota:expedia", "ota:agoda", "ota:traveloka"]
CHANNELS = [*OTAS, "direct_web", "phone", "email", "walk_in"]
WINDOW_START = datetime(2024, 6, 1, tzinfo=UTC)
WINDOW = timedelta(days=28)
# Every story is over within this, so stories starting this much before the window fill its beginning.
WARM_UP = timedelta(days=45)
# Share of inbound events by family, as named in the benchmark brief.
MIX = {"booking": 0.30, "inventory": 0.15, "payment": 0.10, "contact": 0.35, "case": 0.10}


def generate_events(count: int, seed: int = 7) -> list[bytes]:
    """``count`` valid inbound events as JSON Lines, in the order they happened."""
    chance = random.Random(seed)
    stories: dict[str, Story] = {"booking": _booking, "inventory": _inventory, "payment": _payment,
                                 "contact": _contact, "case": _case}
    events: list[Event] = []
    for family, share in MIX.items():
        # Whole stories until the family's quota, cutting the last one short.
        quota = round(count * share) if family != "case" else count - len(events)
        made: list[Event] = []
        number = 0
        while len(made) < quota:
            start = WINDOW_START - WARM_UP + timedelta(seconds=chance.uniform(0, (WARM_UP + WINDOW).total_seconds()))
            made.extend(event for event in stories[family](chance, number, start) if _in_window(event))
            number += 1
        events.extend(made[:quota])
    events.sort(key=_occurred)
    return [json.dumps(event).encode() for event in events]


def _occurred(event: Event) -> datetime:
    return datetime.fromisoformat(event["time"])


def _in_window(event: Event) -> bool:
    return WINDOW_START <= _occurred(event) < WINDOW_START + WINDOW


def _event(type_: str, source: str, id_: str, at: datetime, data: dict[str, Any], **extensions: Any) -> Event:
    return {"specversion": "1.0", "id": id_, "source": source, "type": type_,
            "time": at.replace(microsecond=0).isoformat(), **extensions, "data": data}


def _local(prop: str, moment: datetime) -> datetime:
    return moment.astimezone(timezone(timedelta(hours=PROPERTIES[prop])))


def _resource(chance: random.Random) -> tuple[str, str]:
    prop = chance.choice(list(PROPERTIES))
    return prop, f"{prop}:{chance.choice(ROOM_TYPES)}"


def _booking(chance: random.Random, n: int, at: datetime) -> Iterator[Event]:
    prop, resource = _resource(chance)
    channel = chance.choice(CHANNELS)
    # OTAs and the web checkout report their own sales; the rest is keyed in at the hotel's PMS.
    extra: dict[str, str] = {}
    if channel.startswith("ota:"):
        source = channel
    elif channel == "direct_web":
        source = "web:checkout"
    else:
        source, extra = f"pms:{prop}", {"actor": f"{prop}-res-{chance.randint(1, 6)}", "department": "reservations"}
    # Most guests book a few days ahead, some up to a month.
    lead = timedelta(days=round(chance.triangular(1, 30, 3)))
    ref, first_night = f"{prop[:3].upper()}-{n:06d}", _local(prop, at).date() + lead
    yield _event("booking.created", source, f"bk-{n}", _local(prop, at), {
        "booking_ref": ref, "resource": resource, "date": first_night.isoformat(), "nights": chance.randint(1, 6),
        "units": chance.choice([1, 1, 1, 2]), "channel": channel, "guest_ref": f"g-{chance.randint(1, 60_000)}",
        "amount": f"{chance.randint(60, 1500)}.00", "currency": "USD"}, **extra)
    arrival = datetime.combine(first_night, time(14), _local(prop, at).tzinfo)
    if chance.random() < 0.2:
        changes: dict[str, Any] = chance.choice([{"nights": chance.randint(1, 6)}, {"units": 2},
                                                 {"date": (first_night + timedelta(days=1)).isoformat()}])
        arrival += timedelta(days=1) if "date" in changes else timedelta()
        yield _event("booking.modified", source, f"bk-{n}-m", _local(prop, at + (arrival - at) / 3),
                     {"booking_ref": ref, "changes": changes, "reason": "guest request"}, **extra)
    outcome = chance.random()
    if outcome < 0.15:
        yield _event("booking.cancelled", source, f"bk-{n}-x", _local(prop, at + (arrival - at) / 2),
                     {"booking_ref": ref, "reason": "guest request"}, **extra)
        return
    front_office = {"actor": f"{prop}-fo-{chance.randint(1, 4)}", "department": "front_office"}
    if outcome < 0.20:
        yield _event("booking.no_show", f"pms:{prop}", f"fo-{n}-ns", arrival + timedelta(hours=10),
                     {"booking_ref": ref}, **front_office)
    else:
        yield _event("booking.checked_in", f"pms:{prop}", f"fo-{n}-ci",
                     arrival + timedelta(minutes=chance.randint(0, 480)), {"booking_ref": ref}, **front_office)


def _inventory(chance: random.Random, n: int, at: datetime) -> Iterator[Event]:
    prop, resource = _resource(chance)
    source, local = f"pms:{prop}", _local(prop, at)
    night = local.date() + timedelta(days=chance.randint(0, 120))
    revenue = {"actor": f"{prop}-rm", "department": "revenue"}
    yield _event("inventory.set", source, f"inv-{n}", local,
                 {"resource": resource, "date": night.isoformat(), "available": chance.randint(0, 25)}, **revenue)
    if chance.random() < 0.35:
        # A stop-sell for 1-3 nights, confirmed by some channels a few minutes later.
        stop_id, closed_at = f"ss-{n}", local + timedelta(minutes=chance.randint(1, 30))
        channels = ["*"] if chance.random() < 0.6 else chance.sample(OTAS, 2)
        last = night + timedelta(days=chance.randint(0, 2))
        yield _event("inventory.closed", source, stop_id, closed_at, {
            "resource": resource, "from": night.isoformat(), "to": last.isoformat(), "channels": channels}, **revenue)
        confirming = chance.sample(OTAS, chance.randint(1, 3)) if channels == ["*"] else channels
        for ota in confirming:
            yield _event("inventory.acknowledged", ota, f"ack-{ota[4:]}-{n}",
                         closed_at + timedelta(seconds=chance.randint(20, 600)), {"update_id": stop_id, "channel": ota})


def _payment(chance: random.Random, n: int, at: datetime) -> Iterator[Event]:
    guest, amount = f"g-{chance.randint(1, 60_000)}", f"{chance.randint(60, 1500)}.00"
    booking = {"booking_ref": f"WEB-{n:06d}"} if chance.random() < 0.5 else {}
    for attempt in range(chance.choice([0, 0, 0, 1, 1, 2])):
        yield _event("payment.failed", "web:checkout", f"pay-{n}-{attempt}", at + timedelta(minutes=2 * attempt), {
            "attempt_ref": f"A-{n}-{attempt}", "guest_ref": guest, **booking,
            "reason": chance.choice(["card_declined", "card_holder_mismatch", "insufficient_funds"]),
            "amount": amount, "currency": "USD"})
    yield _event("payment.succeeded", "web:checkout", f"pay-{n}-ok", at + timedelta(minutes=7),
                 {"attempt_ref": f"A-{n}-ok", "guest_ref": guest, **booking})


def _contact(chance: random.Random, n: int, at: datetime) -> Iterator[Event]:
    source, medium = chance.choice([("phone:pbx", "phone"), ("mail:guest-desk", "email"), ("chat:web", "chat")])
    ref, department = f"C-{n:06d}", chance.choice(["customer_service", "reservations", "customer_service"])
    agent = {"actor": f"agent-{chance.randint(1, 120)}", "department": department, "actorrole": "agent"}
    yield _event("contact.started", source, f"ct-{n}", at, {
        "contact_ref": ref, "party_ref": f"g-{chance.randint(1, 60_000)}", "medium": medium,
        "direction": chance.choice(["inbound", "inbound", "inbound", "outbound"]),
        "topic": chance.choice(["rate", "refund", "loyalty", "booking change", "website"])}, **agent)
    moment = at
    for step in range(chance.choice([0, 1, 1, 2])):
        moment += timedelta(minutes=chance.randint(1, 10))
        yield _event("contact.held", source, f"ct-{n}-h{step}", moment,
                     {"contact_ref": ref, "seconds": chance.randint(15, 900)}, **agent)
    if chance.random() < 0.3:
        moment += timedelta(minutes=chance.randint(1, 10))
        yield _event("contact.transferred", source, f"ct-{n}-t", moment, {
            "contact_ref": ref, "to_department": chance.choice(["billing", "reservations", "loyalty"]),
            "reason": "not our department"}, **agent)
    if chance.random() < 0.08:
        moment += timedelta(minutes=chance.randint(1, 10))
        yield _event("contact.escalated", source, f"ct-{n}-e", moment,
                     {"contact_ref": ref, "level": chance.choice(["supervisor", "supervisor", "manager"])}, **agent)
    yield _event("contact.ended", source, f"ct-{n}-end", moment + timedelta(minutes=chance.randint(1, 20)), {
        "contact_ref": ref, "outcome": chance.choice(["resolved", "resolved", "unresolved", "callback_promised"])},
        **agent)


def _case(chance: random.Random, n: int, at: datetime) -> Iterator[Event]:
    desk = chance.choice(["zendesk", "netsuite"])
    source, ref = f"helpdesk:{desk}", f"{desk[:2].upper()}-{n:06d}"
    agent = {"actor": f"agent-{chance.randint(1, 120)}", "department": "customer_service"}
    yield _event("case.opened", source, f"case-{n}", at, {
        "case_ref": ref, "category": chance.choice(["rate_discrepancy", "payment", "loyalty_status", "website",
                                                    "complimentary_night", "service_complaint"]),
        "summary": "guest asks for a follow-up", "party_ref": f"g-{chance.randint(1, 60_000)}",
        "priority": chance.choice(["low", "normal", "normal", "high"])}, **agent)
    if chance.random() < 0.9:
        yield _event("case.assigned", source, f"case-{n}-a", at + timedelta(minutes=chance.randint(5, 240)), {
            "case_ref": ref, "department": chance.choice(["customer_service", "billing", "loyalty"]),
            "agent": f"agent-{chance.randint(1, 120)}"}, **agent)
    if chance.random() < 0.7:
        yield _event("case.resolved", source, f"case-{n}-r", at + timedelta(days=chance.randint(1, 10)),
                     {"case_ref": ref, "resolution": "explained and compensated"}, **agent)


def mix(lines: list[bytes]) -> dict[str, int]:
    """How many events of each family (``booking``, ``contact``, ...), to show the mix."""
    found = dict.fromkeys(MIX, 0)
    for line in lines:
        found[json.loads(line)["type"].split(".")[0]] += 1
    return found
