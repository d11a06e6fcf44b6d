"""What the helpdesk importers (Zendesk, NetSuite, a mailbox) share: the CloudEvents they
write, the records they cannot tell, and parties named without their personal data.

An importer reads its whole file, then tells each record as the inbound events it implies,
with the helpdesk's own ids as ``(source, id)``: importing an overlapping export again gives
the same events, which the ingestion counts as duplicates. docs/helpdesks.md has the mappings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from casetrail.projections.recorded import moment_of
from casetrail.services.batches import RawInput

if TYPE_CHECKING:
    from casetrail.services.case_queries import CaseQueries
    from casetrail.services.ports import InboundLedger

Event = dict[str, Any]  # one CloudEvent in its structured JSON form


class ExportError(ValueError):
    """The file is not the export it is said to be: nothing in it can be told."""


def json_documents(path: str) -> list[Any]:
    """An export file's JSON: one document, or one per line (a paged export's responses)."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ExportError(f"{name}: not UTF-8 text (byte {error.start})") from None
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as whole:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise ExportError(f"{name}: not JSON: {whole.msg} at line {whole.lineno} column {whole.colno}") from None
        documents = []
        for number, line in enumerate(lines, start=1):
            try:
                documents.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ExportError(f"{name}: line {number}: not JSON: {error.msg}") from None
        return documents


class Refused(ValueError):
    """One record (or one event of a record) that cannot be told; the message says where and why."""


@dataclass
class Told:
    """One record of an export, as events; or the parts of it that could not be told, with why."""

    where: str  # "tickets.json: record 3 (audit 123)"
    number: int  # the record's place in the file: the first refused is named by it
    events: list[Event] = field(default_factory=list)
    refused: list[tuple[str, bytes]] = field(default_factory=list)  # (reason, the part's bytes)
    # Ids of events the export can time only by when it saw them: once one is stored, the first
    # sighting stands and a later export's is not handed on.
    first_seen: set[str] = field(default_factory=set)


@dataclass
class Tally:
    """What an import read, and what it read but casetrail has no event for (docs/helpdesks.md)."""

    records: int = 0
    events: int = 0
    refused: int = 0
    first_refusal: str | None = None
    first_refused_number: int = 0
    seen_before: int = 0  # facts timed by the export that saw them, already stored by an earlier one
    not_recorded: dict[str, int] = field(default_factory=dict)

    def skip(self, what: str) -> None:
        self.not_recorded[what] = self.not_recorded.get(what, 0) + 1


class Known(Protocol):
    """What the store already holds, for a file that starts in the middle of a story."""

    def case_rows(self, case_ref: str) -> list[tuple[str, dict[str, Any], str, datetime]]:
        """(type, data, department, occurred_at) of the events naming the case, oldest first."""

    def stored(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """The ``(source, id)`` keys accepted before."""

    def started_contacts(self, contact_refs: Sequence[str]) -> dict[str, str]:
        """The id of the event that started each of the contacts that has been started."""


class NothingKnown:
    """A store that holds nothing yet."""

    def case_rows(self, case_ref: str) -> list[tuple[str, dict[str, Any], str, datetime]]:
        return []

    def stored(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return set()

    def started_contacts(self, contact_refs: Sequence[str]) -> dict[str, str]:
        return {}


def cloud_event(source: str, event_id: str, kind: str, at: datetime, data: dict[str, Any],
                actor: str | None = None, department: str | None = None) -> Event:
    event: Event = {"specversion": "1.0", "id": event_id, "source": source, "type": kind,
                    "time": rfc3339(at), "data": {k: v for k, v in data.items() if v is not None}}
    if actor:
        event["actor"] = actor
    if department:
        event["department"] = department
    return event


def rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def parse_time(value: Any, name: str) -> datetime:
    """A helpdesk's timestamp: RFC 3339 text (``Z`` or an offset) or Unix seconds; never naive."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise Refused(f"{name} {shown(value)} is not a timestamp with an offset")


def shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def party_of_address(address: str, parties: dict[str, str]) -> str:
    """A party ref for an e-mail address: the configured one (``parties`` keyed by lowercased
    address), or a hash. The address itself is personal data and is never a ref."""
    address = address.strip().lower()
    return parties.get(address) or "party:" + hashlib.sha256(address.encode()).hexdigest()[:16]


def raw_inputs(told: Iterable[Told], entrance: str, tally: Tally, known: Known) -> Iterator[RawInput]:
    """The inputs of the told records, for ``Ingestion.ingest``; refused parts as refused inputs."""
    for record in told:
        for reason, raw in record.refused:
            tally.refused += 1
            if tally.first_refusal is None or record.number < tally.first_refused_number:
                tally.first_refusal, tally.first_refused_number = f"{record.where}: {reason}", record.number
            yield RawInput(raw, f"{entrance}:{record.where}", refusal=f"{record.where}: {reason}")
        kept = record.events
        if record.first_seen:
            seen = known.stored([(e["source"], e["id"]) for e in kept if e["id"] in record.first_seen])
            kept = [e for e in kept if (e["source"], e["id"]) not in seen]
            tally.seen_before += len(seen)
        for event in kept:
            tally.events += 1
            yield RawInput(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode(),
                           f"{entrance}:{record.where}")


def record_bytes(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class StoredKnown:
    """What a store holds, read through its views and its ledger of accepted keys."""

    def __init__(self, cases: CaseQueries, ledger: InboundLedger) -> None:
        self.cases, self.ledger = cases, ledger

    def case_rows(self, case_ref: str) -> list[tuple[str, dict[str, Any], str, datetime]]:
        rows = sorted(self.cases.rows("case_ref = ?", [case_ref]), key=lambda r: r.order)
        return [(r.type, r.data, r.department, moment_of(r.occurred_at)) for r in rows]

    def stored(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return set(self.ledger.stored_hashes(list(keys))) if keys else set()

    def started_contacts(self, contact_refs: Sequence[str]) -> dict[str, str]:
        started: dict[str, str] = {}
        for row in sorted(self.cases.rows_of("contact_ref", contact_refs, also="type = 'contact.started'"),
                          key=lambda r: r.order):
            started.setdefault(str(row.contact_ref), row.source_id)
        return started
