"""The Hotel Booking Demand importer, on a 2,000-row slice of the real data set."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

from casetrail.adapters.importers import hotel_bookings
from tests.test_cli import casetrail

SLICE = Path(__file__).resolve().parent / "data" / "hotel_bookings_slice.csv.gz"


def slice_rows() -> list[dict[str, str]]:
    with gzip.open(SLICE, "rt", newline="") as text:
        return list(csv.DictReader(text))


def imported() -> list[dict[str, Any]]:
    return [json.loads(line) for line in hotel_bookings.events(hotel_bookings.read_stays(str(SLICE)))]


def test_the_same_file_always_yields_the_same_events_ids_and_times() -> None:
    stays = hotel_bookings.read_stays(str(SLICE))
    assert list(hotel_bookings.events(stays)) == list(hotel_bookings.events(hotel_bookings.read_stays(str(SLICE))))
    ids = [(e["source"], e["id"]) for e in imported()]
    assert len(ids) == len(set(ids))


def test_each_row_becomes_a_booking_and_what_became_of_it() -> None:
    rows = slice_rows()
    counted = Counter(e["type"] for e in imported())
    status = Counter(r["reservation_status"] for r in rows)
    moved = sum(r["reservation_status"] == "Check-Out" and r["assigned_room_type"] != r["reserved_room_type"]
                for r in rows)
    assert counted["booking.created"] == len(rows) == 2000
    assert counted["booking.cancelled"] == status["Canceled"]
    assert counted["booking.checked_in"] == status["Check-Out"]
    assert counted["booking.no_show"] == status["No-Show"]
    assert counted["booking.modified"] == moved > 0


def test_every_hotel_room_type_and_night_gets_its_estimated_capacity() -> None:
    stays = hotel_bookings.read_stays(str(SLICE))
    inventory = [e for e in imported() if e["type"] == "inventory.set"]
    rooms = hotel_bookings.capacities(stays)
    per_hotel: dict[str, int] = Counter(hotel for hotel, _ in rooms)
    nights = {hotel: (max(s.last_night for s in stays if s.hotel == hotel)
                      - min(s.arrival for s in stays if s.hotel == hotel)).days + 1 for hotel in per_hotel}
    assert len(inventory) == sum(per_hotel[hotel] * nights[hotel] for hotel in per_hotel)
    # The peak of guests who stayed in one room type on one night, counted here from the rows.
    occupied: Counter[tuple[str, str, str]] = Counter()
    for s in stays:
        if s.status == "Check-Out":
            for n in range(s.nights):
                occupied[(s.hotel, s.assigned, str(s.arrival.toordinal() + n))] += 1
    assert rooms[("city", "A")] == max(count for (hotel, room, _), count in occupied.items()
                                      if (hotel, room) == ("city", "A"))
    assert {e["data"]["available"] for e in inventory if e["data"]["resource"] == "city:A"} == {rooms[("city", "A")]}


def test_a_known_row_gives_its_events_at_their_times() -> None:
    # Row 1: Resort Hotel, booked 342 days ahead for 2015-07-01, no nights (day use), Direct, room C, checked out.
    first = [e for e in imported() if e.get("datarow") == 1]
    assert [(e["type"], e["time"], e["source"]) for e in first] == [
        ("booking.created", "2014-07-24T09:01:00+01:00", "pms:resort"),
        ("booking.checked_in", "2015-07-01T15:00:00+01:00", "pms:resort"),
    ]
    created = first[0]
    assert created["id"] == "HB-R-000001-created" and created["department"] == "reservations"
    assert created["data"] == {"booking_ref": "HB-R-000001", "resource": "resort:C", "date": "2015-07-01",
                               "nights": 1, "channel": "direct", "guest_ref": "guest-HB-R-000001",
                               "amount": "0", "currency": "EUR"}
    # Row 2 was sold by travel agent 242: an OTA-like partner.
    second = next(e for e in imported() if e.get("datarow") == 2 and e["type"] == "booking.created")
    assert (second["source"], second["data"]["channel"], second["department"]) == (
        "ota:agent-242", "ota:agent-242", "ota_partner")


def test_the_slice_imports_through_the_command_line_and_again_changes_nothing(sqlite_url: str) -> None:
    first = casetrail("--database", sqlite_url, "import", "hotel-bookings", str(SLICE), "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert counts["rows"] == 2000 and counts["accepted"] == counts["events"] == len(imported())
    again = json.loads(casetrail("--database", sqlite_url, "import", "hotel-bookings", str(SLICE), "--json").stdout)
    assert (again["accepted"], again["duplicates"]) == (0, counts["events"])
    case = casetrail("--database", sqlite_url, "case", "HB-R-000001")
    assert case.returncode == 1 and "no such case" in case.stderr


def test_a_file_that_is_not_the_data_set_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("hotel,arrival\nResort Hotel,2015-07-01\n")
    result = casetrail("--database", f"sqlite:///{tmp_path / 'x.db'}", "import", "hotel-bookings", str(other))
    assert result.returncode == 1 and "missing columns" in result.stderr and "lead_time" in result.stderr
