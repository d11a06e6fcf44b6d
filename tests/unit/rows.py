"""Timeline rows made the way the index makes them, without a database.

An inbound event goes the way ingestion takes it (parsed and validated, routed
to its streams, made into stored events by our mapper) and each stored event
becomes a row by the timeline index's own ``entry_row``; only the SQL is left
out. The first stored copy of an event makes its row, later copies only add the
booking or contact it names, as the index's upsert does. Positions follow the
order the events are stored in, so a story can make events arrive in any order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import orjson

from casetrail.domain import ids
from casetrail.domain.case import Case
from casetrail.domain.catalogue import CATALOGUE
from casetrail.domain.config import Departments
from casetrail.domain.model import Aggregate
from casetrail.projections import overbooking
from casetrail.projections.case_report import Row
from casetrail.projections.recorded import Recorded, moment_of
from casetrail.projections.timeline import COLUMNS, entry_row
from casetrail.services.batches import Receipt
from casetrail.services.event_mapper import JSONTranscoder, PydanticMapper
from casetrail.services.parsing import Invalid, parse_event
from casetrail.services.routing import targets
from casetrail.services.view_runner import decode

ZONE = "+07:00"  # the stories' local time, unless one says otherwise
DAY = "2024-06-21"
RECEIVED = datetime(2030, 1, 1, tzinfo=UTC)  # a backfill, loaded long after the stories
DEPARTMENTS = Departments()
_MAPPER = PydanticMapper(transcoder=JSONTranscoder())
_BOOKING_REF, _CONTACT_REF = COLUMNS.index("booking_ref"), COLUMNS.index("contact_ref")



def at(clock: str, day: str = DAY, zone: str = ZONE) -> str:
    """An RFC 3339 time as a source sends it: ``at("10:05")`` is 10:05 on the story's day, local time."""
    return f"{day}T{clock}{':00' if clock.count(':') == 1 else ''}{zone}"


def utc(clock: str, day: str = DAY, zone: str = ZONE) -> str:
    """The same time as the index stores it: UTC text with microseconds and a Z."""
    return moment_of(at(clock, day, zone)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Log:
    """The event log of one story, and the timeline rows its events make."""

    def __init__(self) -> None:
        self.position = 0
        self.heads: dict[UUID, int] = {}
        self.rows: list[Row] = []  # in the order they were stored

    def event(self, kind: str, event_id: str, time: str, data: dict[str, Any], source: str = "pms:seaside",
              **envelope: Any) -> Row:
        """An inbound CloudEvent, ingested as a backfill: known when it occurred unless it says ``reportedat``."""
        document = {"specversion": "1.0", "id": event_id, "source": source, "type": kind, "time": time,
                    "data": data, **{k: v for k, v in envelope.items() if v is not None}}
        return self.line(orjson.dumps(document))

    def line(self, raw: bytes) -> Row:
        """One line of an inbound JSON Lines file, such as a sample's."""
        parsed = parse_event(raw)
        assert not isinstance(parsed, Invalid), parsed.reason
        envelope_ = parsed.envelope
        provenance = {  # as ``Ingestion._provenance`` makes it
            "source": envelope_.source, "id": envelope_.id, "type": envelope_.type,
            "occurred_at": envelope_.time, "reported_at": Receipt(RECEIVED, backfill=True).reported_at(envelope_),
            "received_at": RECEIVED, "department": envelope_.department or DEPARTMENTS.for_source(envelope_.source),
            "actor": envelope_.actor, "role": envelope_.actorrole, "body_hash": parsed.body_hash,
            "extensions": envelope_.extensions,
        }
        copies = [self._store(t.aggregate_class, t.aggregate_id, t.event_class, provenance, t.fields)
                  for t in targets(envelope_.type, parsed.data)]
        return self._row(copies)

    def casetrail(self, kind: str, case_ref: str, event_id: str, occurred: str, known: str | None = None,
                  actor: str = "detector:overbooking", role: str = "detector", **fields: Any) -> Row:
        """An event casetrail records on a case itself, with the provenance the case desk gives it."""
        provenance = {"source": "casetrail", "id": event_id, "type": kind, "occurred_at": occurred,
                      "reported_at": known or occurred, "received_at": RECEIVED, "department": "casetrail",
                      "actor": actor, "role": role,
                      "body_hash": hashlib.sha256(orjson.dumps(fields)).hexdigest()}
        [landing] = CATALOGUE[kind].lands_on
        return self._row([self._store(Case, ids.case_id(case_ref), landing.event, provenance,
                                      {"case_ref": case_ref, **fields})])

    def _store(self, aggregate_class: type[Aggregate], aggregate_id: UUID, event_class: type[Aggregate.Event],
               provenance: dict[str, Any], fields: dict[str, Any]) -> tuple[Any, ...]:
        head = self.heads.get(aggregate_id, 0)
        fact = aggregate_class.next_fact(aggregate_id, head, event_class, provenance=provenance, **fields)
        self.heads[aggregate_id] = head + 1
        self.position += 1
        stored = _MAPPER.to_stored_event(fact)
        values = entry_row(Recorded(self.position, decode(stored), stored.originator_id, stored.originator_version))
        assert values is not None
        return values

    def _row(self, copies: list[tuple[Any, ...]]) -> Row:
        values = list(copies[0])
        for later in copies[1:]:  # ON CONFLICT: COALESCE(booking_ref), COALESCE(contact_ref)
            values[_BOOKING_REF] = values[_BOOKING_REF] or later[_BOOKING_REF]
            values[_CONTACT_REF] = values[_CONTACT_REF] or later[_CONTACT_REF]
        row = Row(*values)
        self.rows.append(row)
        return row


# --- what the detectors runner reads of the index for each detector (``services.detection``) ---

def _nights(row: Row) -> set[str]:
    if not row.night_from or not row.night_to:
        return set()
    first, last = date.fromisoformat(row.night_from).toordinal(), date.fromisoformat(row.night_to).toordinal()
    return {date.fromordinal(n).isoformat() for n in range(first, last + 1)}


def night_facts(rows: Iterable[Row], resource: str, night: str,
                departments: Departments = DEPARTMENTS) -> overbooking.NightFacts:
    """What the index knows of one night: its inventory updates, the acknowledgements of its
    stop-sells, and the history of every booking created for or moved to it."""
    rows = list(rows)
    here = [r for r in rows if r.type.startswith("inventory.") and r.type != "inventory.acknowledged"
            and r.resource == resource and night in _nights(r)]
    stop_sells = [r for r in here if r.type == "inventory.closed"]
    stopped = {r.source_id for r in stop_sells}
    booked = {r.booking_ref for r in rows if r.type in ("booking.created", "booking.modified")
              and r.resource in (resource, None) and night in _nights(r)}
    histories = [overbooking.history([r for r in rows if r.booking_ref == ref], departments) for ref in sorted(booked)]
    return overbooking.NightFacts(
        resource=resource, night=night,
        availability=[r for r in here if r.type == "inventory.set"],
        stop_sells=stop_sells,
        reopenings=[r for r in here if r.type == "inventory.opened"],
        acknowledgements=[r for r in rows if r.type == "inventory.acknowledged" and r.update_id in stopped],
        bookings=[h for h in histories if h is not None],
    )


def payment_failures_of(rows: Iterable[Row], party: str) -> list[Row]:
    return [r for r in rows if r.type == "payment.failed" and r.party_ref == party]


def contact_rows_of(rows: Iterable[Row], party: str) -> list[Row]:
    """Every event of every contact the party started."""
    rows = list(rows)
    contacts = {r.contact_ref for r in rows if r.type == "contact.started" and r.party_ref == party}
    return [r for r in rows if r.contact_ref in contacts]
