"""The Hotel Booking Demand data set (Antonio, de Almeida, Nunes, 2019) as inbound CloudEvents.

Deterministic: the same file always yields the same events, ids and times.
The data has no names, booking references or times of day, so the importer
derives them; docs/hotel-bookings.md says what it derives and what it assumes.
"""

from __future__ import annotations

import calendar
import csv
import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

HOTELS = {"Resort Hotel": "resort", "City Hotel": "city"}
# Both hotels are in Portugal: times of day are Lisbon's, with its summer time.
LISBON = ZoneInfo("Europe/Lisbon")
MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
COLUMNS = {"hotel", "is_canceled", "lead_time", "arrival_date_year", "arrival_date_month",
           "arrival_date_day_of_month", "stays_in_weekend_nights", "stays_in_week_nights", "market_segment",
           "distribution_channel", "reserved_room_type", "assigned_room_type", "agent", "company", "adr",
           "customer_type", "deposit_type", "reservation_status", "reservation_status_date"}
# Bookings are spread over the working day, by row number, so that events of one day keep an order.
BOOKING_HOURS = (9, 19)
CHECK_IN, NO_SHOW = time(15, 0), time(23, 0)


class DataSetError(ValueError):
    pass


@dataclass(frozen=True)
class Stay:
    """One row of the data set, read."""

    row: int
    hotel: str
    arrival: date
    nights: int  # at least 1: a stay of no nights (day use) is booked as one
    lead_time: int
    distribution: str
    market_segment: str
    agent: str | None
    reserved: str
    assigned: str
    status: str  # Check-Out, Canceled or No-Show
    status_date: date
    adr: Decimal

    @property
    def booking_ref(self) -> str:
        return f"HB-{self.hotel[0].upper()}-{self.row:06d}"

    @property
    def last_night(self) -> date:
        return self.arrival + timedelta(days=self.nights - 1)

    @property
    def booked_at(self) -> datetime:
        start, end = BOOKING_HOURS
        minute = self.row % ((end - start) * 60)
        day = self.arrival - timedelta(days=self.lead_time)
        return datetime.combine(day, time(start + minute // 60, minute % 60), LISBON)


def read_stays(path: str) -> list[Stay]:
    """Every row of the file (gzip or plain CSV), in file order."""
    # Opened here, closed by the with below.
    opened = gzip.open(path, "rt", newline="") if path.endswith(".gz") else open(path, newline="")  # noqa: SIM115
    with opened as text:
        reader = csv.DictReader(text)
        missing = COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise DataSetError(f"{path}: not the Hotel Booking Demand data set; missing columns {sorted(missing)}")
        return [_stay(number, row, path) for number, row in enumerate(reader, start=1)]


def _stay(number: int, row: dict[str, str], path: str) -> Stay:
    try:
        nights = int(row["stays_in_weekend_nights"]) + int(row["stays_in_week_nights"])
        return Stay(
            row=number, hotel=HOTELS[row["hotel"]],
            arrival=date(int(row["arrival_date_year"]), MONTHS[row["arrival_date_month"]],
                         int(row["arrival_date_day_of_month"])),
            nights=max(nights, 1), lead_time=int(row["lead_time"]), distribution=row["distribution_channel"],
            market_segment=row["market_segment"], agent=None if row["agent"] in ("", "NULL") else row["agent"],
            reserved=row["reserved_room_type"], assigned=row["assigned_room_type"],
            status=row["reservation_status"], status_date=date.fromisoformat(row["reservation_status_date"]),
            adr=Decimal(row["adr"]),
        )
    except (KeyError, ValueError) as error:
        raise DataSetError(f"{path}: row {number}: cannot read {error}") from None


def capacities(stays: Iterable[Stay]) -> dict[tuple[str, str], int]:
    """Rooms of each hotel and room type: the most guests that stayed in rooms of that
    type on one night. Rooms that were slept in at once existed, so this is a lower
    bound on the real count, and the only one the data supports."""
    occupied: dict[tuple[str, str, date], int] = defaultdict(int)
    types: set[tuple[str, str]] = set()
    for stay in stays:
        types |= {(stay.hotel, stay.reserved), (stay.hotel, stay.assigned)}
        if stay.status == "Check-Out":
            for night in range(stay.nights):
                occupied[(stay.hotel, stay.assigned, stay.arrival + timedelta(days=night))] += 1
    peak = {kind: 0 for kind in types}
    for (hotel, room, _), count in occupied.items():
        peak[(hotel, room)] = max(peak[(hotel, room)], count)
    return peak


def events(stays: list[Stay]) -> Iterator[bytes]:
    """The inventory of every hotel, room type and night, then each booking's story."""
    yield from _inventory(stays)
    for stay in stays:
        yield from _booking(stay)


def _inventory(stays: list[Stay]) -> Iterator[bytes]:
    rooms = capacities(stays)
    for hotel in sorted({stay.hotel for stay in stays}):
        own = [stay for stay in stays if stay.hotel == hotel]
        first, last = min(s.arrival for s in own), max(s.last_night for s in own)
        # Known before the hotel's first sale, so every booking meets its allotment.
        at = datetime.combine(min(s.booked_at for s in own).date() - timedelta(days=1), time(0), LISBON)
        for room in sorted(room for h, room in rooms if h == hotel):
            for offset in range((last - first).days + 1):
                night = first + timedelta(days=offset)
                yield _event(f"inv-{hotel}-{room}-{night}", f"pms:{hotel}", "inventory.set", at,
                             {"resource": f"{hotel}:{room}", "date": night.isoformat(),
                              "available": rooms[(hotel, room)]})


def _booking(stay: Stay) -> Iterator[bytes]:
    source, channel, department = _channel(stay)
    facts = {"department": department, "marketsegment": stay.market_segment, "datarow": stay.row}
    ref = stay.booking_ref
    created: dict[str, Any] = {"booking_ref": ref, "resource": f"{stay.hotel}:{stay.reserved}",
                               "date": stay.arrival.isoformat(), "nights": stay.nights, "channel": channel,
                               "guest_ref": f"guest-{ref}", "amount": str(stay.adr * stay.nights), "currency": "EUR"}
    yield _event(f"{ref}-created", source, "booking.created", stay.booked_at, created, **facts)
    arrival = datetime.combine(stay.arrival, CHECK_IN, LISBON)
    if stay.status == "Canceled":
        at = max(datetime.combine(stay.status_date, time(12, 0), LISBON), stay.booked_at + timedelta(minutes=1))
        yield _event(f"{ref}-cancelled", source, "booking.cancelled", at, {"booking_ref": ref}, **facts)
    elif stay.status == "No-Show":
        at = datetime.combine(stay.arrival, NO_SHOW, LISBON)
        yield _event(f"{ref}-no-show", f"pms:{stay.hotel}", "booking.no_show", at, {"booking_ref": ref},
                     department="front_office", datarow=stay.row)
    else:
        if stay.assigned != stay.reserved:
            yield _event(f"{ref}-room", f"pms:{stay.hotel}", "booking.modified", arrival - timedelta(minutes=1),
                         {"booking_ref": ref, "changes": {"resource": f"{stay.hotel}:{stay.assigned}"},
                          "reason": f"room type {stay.assigned} assigned at check-in, {stay.reserved} reserved"},
                         department="front_office", datarow=stay.row)
        yield _event(f"{ref}-checked-in", f"pms:{stay.hotel}", "booking.checked_in", arrival, {"booking_ref": ref},
                     department="front_office", datarow=stay.row)


def _channel(stay: Stay) -> tuple[str, str, str]:
    """The reporting source, the channel that sold, and the department that made the booking."""
    agent = f"agent-{stay.agent}" if stay.agent else "agent-unknown"
    if stay.distribution == "TA/TO":  # travel agents and tour operators: OTA-like partners
        return f"ota:{agent}", f"ota:{agent}", "ota_partner"
    if stay.distribution == "GDS":
        return f"gds:{agent}", f"gds:{agent}", "gds_partner"
    if stay.distribution == "Corporate":
        return f"pms:{stay.hotel}", "corporate", "sales"
    if stay.distribution == "Direct":
        return f"pms:{stay.hotel}", "direct", "reservations"
    return f"pms:{stay.hotel}", "undefined", "unattributed"


def _event(event_id: str, source: str, kind: str, at: datetime, data: dict[str, Any], **extensions: Any) -> bytes:
    # Not orjson: its bytes keep their whole write buffer, about 4 KB each, a gigabyte for the data set.
    return json.dumps({"specversion": "1.0", "id": event_id, "source": source, "type": kind,
                       "time": at.isoformat(), "data": data, **extensions}, separators=(",", ":")).encode()

