"""The timeline index: one row per inbound event, with the subjects it names.

Case timelines, customer effort and the case list are read from these rows at
query time. A row depends only on its own event, so the index is the same
whatever order events arrived in, and a replay rebuilds it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import orjson

from casetrail.projections.recorded import Recorded, instant
from casetrail.projections.view import View

COLUMNS = (
    "source", "source_id", "type", "position", "occurred_at", "occurred_local", "reported_at", "recorded_at",
    "department",
    "actor", "role", "summary", "booking_ref", "contact_ref", "case_ref", "party_ref", "resource",
    "night_from", "night_to", "update_id", "details",
)

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS timeline_entries ("
    "source TEXT NOT NULL, source_id TEXT NOT NULL, type TEXT NOT NULL, position BIGINT NOT NULL, "
    "occurred_at TEXT NOT NULL, occurred_local TEXT NOT NULL, reported_at TEXT NOT NULL, recorded_at TEXT NOT NULL, department TEXT NOT NULL, "
    "actor TEXT, role TEXT, summary TEXT NOT NULL, booking_ref TEXT, contact_ref TEXT, case_ref TEXT, "
    "party_ref TEXT, resource TEXT, night_from TEXT, night_to TEXT, update_id TEXT, details TEXT NOT NULL, "
    "PRIMARY KEY (source, source_id))",
    # One row per service date an entry names, so that a night's events are found by an exact
    # key rather than by a range scan over every earlier night of the resource. A change of
    # dates that names no resource is filed under the resource ''.
    "CREATE TABLE IF NOT EXISTS timeline_nights ("
    "resource TEXT NOT NULL, night TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL, "
    "PRIMARY KEY (resource, night, source, source_id))",
]
INDEXES = {
    f"timeline_by_{name}": f"CREATE INDEX IF NOT EXISTS timeline_by_{name} ON timeline_entries ({columns})"
    for name, columns in [("booking", "booking_ref"), ("contact", "contact_ref"), ("case", "case_ref"),
                          ("party", "party_ref"), ("resource", "resource, night_from"),
                          ("type", "type"), ("position", "position")]
}
# Only acknowledgements name an update: an index of every row's update_id is almost all NULLs,
# and its statistics then say that one value matches most of the table, so that the planner
# scans the table rather than look a value up. Over the rows that name one, it counts them alone
# (a store made before keeps its timeline_by_update too, unused).
INDEXES["timeline_by_update_id"] = ("CREATE INDEX IF NOT EXISTS timeline_by_update_id ON timeline_entries (update_id) "
                                    "WHERE update_id IS NOT NULL")
# A case report reads the inventory updates of its bookings' nights: a few hundred rows of each
# resource, which this index holds apart from the resource's many bookings. A query that names
# this condition word for word may use it.
INVENTORY_UPDATES = "type LIKE 'inventory.%'"
INDEXES["timeline_inventory"] = ("CREATE INDEX IF NOT EXISTS timeline_inventory ON timeline_entries "
                                 f"(resource, night_from, night_to) WHERE {INVENTORY_UPDATES}")
TABLES = ["timeline_entries", "timeline_nights"]



def on_conflict(table: str) -> str:
    # One inbound event may be stored on several streams (a stop-sell on each night
    # it covers, a procedure step on its booking and its contact): the first stored
    # copy makes the row, later copies only add subjects the first did not name.
    return ("ON CONFLICT (source, source_id) DO UPDATE SET "
            f"booking_ref = COALESCE({table}.booking_ref, excluded.booking_ref), "
            f"contact_ref = COALESCE({table}.contact_ref, excluded.contact_ref)")


def upsert_into(table: str) -> str:
    return (f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
            + on_conflict(table))


ENTRY_CONFLICT = on_conflict("timeline_entries")
NIGHT_COLUMNS = ("resource", "night", "source", "source_id")
_BOOKING, _CONTACT = COLUMNS.index("booking_ref"), COLUMNS.index("contact_ref")


def write(cursor: Any, batch: Sequence[Recorded]) -> None:
    rows = [row for row in map(entry_row, batch) if row is not None]
    if rows:
        cursor.insert_many("timeline_entries", COLUMNS, one_row_an_event(rows), ENTRY_CONFLICT)
        nights = [night for row in rows for night in night_rows(row)]
        if nights:
            cursor.insert_many("timeline_nights", NIGHT_COLUMNS, nights, "ON CONFLICT DO NOTHING")


def one_row_an_event(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The copies of an inbound event in one batch as a single row, as ``on_conflict`` would leave
    them one after the other: the first copy's, with the subjects only later copies name."""
    merged: dict[tuple[Any, Any], tuple[Any, ...]] = {}
    for row in rows:
        key = (row[0], row[1])
        held = merged.get(key)
        if held is None:
            merged[key] = row
        elif any(held[n] is None and row[n] is not None for n in (_BOOKING, _CONTACT)):
            filled = list(held)
            for n in (_BOOKING, _CONTACT):
                if filled[n] is None:
                    filled[n] = row[n]
            merged[key] = tuple(filled)
    return list(merged.values())


def night_rows(row: tuple[Any, ...]) -> list[tuple[str, str, str, str]]:
    source, source_id, resource, first, last = row[0], row[1], row[16], row[17], row[18]
    if not first or not last:
        return []
    start, count = date.fromisoformat(first), (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    return [(resource or "", (start + timedelta(days=n)).isoformat(), source, source_id) for n in range(count)]


# Bump the version when rows are computed differently: the view is then rebuilt from the log.
TIMELINE = View(name="timeline", version=5, schema=SCHEMA, tables=TABLES, write=write, indexes=INDEXES)


def entry_row(recorded: Recorded) -> tuple[Any, ...] | None:
    facts = recorded.provenance
    if facts is None:
        return None
    # Here, not at the top: a read imports this module for its columns and never needs pydantic's models.
    from casetrail.domain.catalogue import CATALOGUE

    event_type = facts["type"]
    entry = CATALOGUE[event_type]
    data = entry.contract_data(recorded.state)
    resource, first, last = entry.nights_named(data)
    named = entry.subjects
    occurred = instant(facts["occurred_at"])
    reported = occurred if facts["reported_at"] == facts["occurred_at"] else instant(facts["reported_at"])
    return (
        facts["source"], facts["id"], event_type, recorded.position,
        occurred, facts["occurred_at"], reported, recorded.recorded_at,
        facts["department"], facts.get("actor"), facts.get("role"), entry.summary(data),
        _named(data, named.booking), _named(data, named.contact), _named(data, named.case),
        _named(data, named.party), resource, first, last, _named(data, named.update),
        orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode(),
    )


def inbound_data(state: dict[str, Any]) -> dict[str, Any]:
    """A stored event's data as the contract names it (``EventType.contract_data``)."""
    from casetrail.domain.catalogue import CATALOGUE

    return CATALOGUE[state["provenance"]["type"]].contract_data(state)


def _named(data: dict[str, Any], field: str | None) -> Any:
    """The subject a field names; a list of them names its first."""
    value = data.get(field) if field else None
    return next(iter(value), None) if isinstance(value, list) else value
