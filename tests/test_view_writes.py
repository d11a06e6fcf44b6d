"""The timeline writes a batch's rows with one ``insert_many`` per table (a COPY on PostgreSQL):
the rows it leaves must be those one upsert after another left, copies of an event included."""

from __future__ import annotations

from typing import Any

from casetrail.adapters.bootstrap import System
from casetrail.projections.timeline import COLUMNS, SCHEMA, on_conflict, one_row_an_event, upsert_into

BOOKING, CONTACT = COLUMNS.index("booking_ref"), COLUMNS.index("contact_ref")


def row(source_id: str, position: int, booking: str | None = None, contact: str | None = None) -> tuple[Any, ...]:
    values: list[Any] = [f"value-{name}-{position}" for name in COLUMNS]
    values[:4] = ["pms:seaside", source_id, "procedure.step", position]
    values[BOOKING], values[CONTACT] = booking, contact
    return tuple(values)


# A step stored on its booking and then its contact, a stop-sell on three nights, an event
# alone, and a copy of an event whose first row is in an earlier batch.
EARLIER = [row("e-4", 1, contact="C-4")]
BATCH = [row("e-1", 2, booking="B-1"), row("e-1", 3, contact="C-1"),
         row("e-2", 4), row("e-2", 5), row("e-2", 6),
         row("e-3", 7, booking="B-3", contact="C-3"),
         row("e-4", 8, booking="B-4", contact="C-other"),
         row("e-5", 9, booking="B-5"), row("e-5", 10, booking="B-other", contact="C-5")]


def timeline(system: System, table: str) -> list[tuple[Any, ...]]:
    return system.view_store.query(f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY source_id")


def test_one_insert_of_merged_copies_leaves_what_one_upsert_after_another_did(system: System) -> None:
    with system.view_store.transaction() as cursor:
        cursor.execute(SCHEMA[0])
        cursor.execute(SCHEMA[0].replace("timeline_entries", "upserted_entries"))
        cursor.executemany(upsert_into("upserted_entries"), EARLIER)
        cursor.insert_many("timeline_entries", COLUMNS, EARLIER, "")
    with system.view_store.transaction() as cursor:
        cursor.executemany(upsert_into("upserted_entries"), BATCH)
        cursor.insert_many("timeline_entries", COLUMNS, one_row_an_event(BATCH), on_conflict("timeline_entries"))
    written = timeline(system, "timeline_entries")
    assert written == timeline(system, "upserted_entries")
    by_id = {entry[1]: entry for entry in written}
    assert (by_id["e-1"][3], by_id["e-1"][BOOKING], by_id["e-1"][CONTACT]) == (2, "B-1", "C-1")
    assert (by_id["e-4"][3], by_id["e-4"][BOOKING], by_id["e-4"][CONTACT]) == (1, "B-4", "C-4")
    assert (by_id["e-5"][BOOKING], by_id["e-5"][CONTACT]) == ("B-5", "C-5")


def test_a_second_insert_in_one_transaction_stages_only_its_own_rows(system: System) -> None:
    with system.view_store.transaction() as cursor:
        cursor.execute(SCHEMA[1])
        cursor.insert_many("timeline_nights", ("resource", "night", "source", "source_id"),
                           [("r", "2024-06-01", "pms:seaside", "e-1")], "")
        cursor.insert_many("timeline_nights", ("resource", "night", "source", "source_id"),
                           [("r", "2024-06-02", "pms:seaside", "e-1"), ("r", "2024-06-02", "pms:seaside", "e-1")],
                           "ON CONFLICT DO NOTHING")
    assert system.view_store.query("SELECT night FROM timeline_nights ORDER BY night") == [
        ("2024-06-01",), ("2024-06-02",)]
