"""NetSuite support cases as inbound events: ``supportCase`` records as its REST record service
gives them (``GET /services/rest/record/v1/supportcase?expandSubResources=true``), each with the
messages of the case beside it.

A file is one collection response (``{"items": [...]}``), a JSON array of records, or JSON Lines
of records or of collection pages. A record is the case as it stood when exported: its history is
only what its dates say. The mapping, and what it loses, is in docs/helpdesks.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casetrail.adapters.importers.helpdesk import (
    Event,
    ExportError,
    Refused,
    Tally,
    Told,
    cloud_event,
    json_documents,
    parse_time,
    record_bytes,
    shown,
)
from casetrail.domain.config import NetSuiteImport

PRIORITIES = {"critical": "critical", "urgent": "critical", "high": "high", "medium": "normal", "normal": "normal",
              "low": "low"}
# NetSuite's own statuses; a deployment's other ones count by their words (closed, escalated, ...).
CLOSED, REOPENED, ESCALATED = "closed", "re-opened", "escalated"
WAITING = frozenset({"awaiting customer", "on hold", "waiting on customer", "pending"})
MEDIA = {"phone": "phone", "e-mail": "email", "email": "email", "web": "email", "web form": "email", "chat": "chat",
         "web chat": "chat", "social": "social", "letter": "letter", "mail": "letter", "walk-in": "walk_in"}


@dataclass(frozen=True)
class Record:
    number: int  # its place in the file, from 1
    raw: Any


def read_records(path: str) -> list[Record]:
    name = Path(path).name
    documents = json_documents(path)
    raw: list[Any] = []
    for document in documents:
        if isinstance(document, dict) and isinstance(document.get("items"), list):
            raw += document["items"]
        elif isinstance(document, list):
            raw += document
        elif isinstance(document, dict) and "caseNumber" in document:
            raw.append(document)
        else:
            raise ExportError(f"{name}: not a NetSuite supportCase export: no 'items' list of supportCase records")
    return [Record(number, record) for number, record in enumerate(raw, start=1)]


def tell(records: list[Record], config: NetSuiteImport, tally: Tally, name: str) -> Iterator[Told]:
    for record in records:
        raw = record.raw
        label = f"case {raw.get('caseNumber', raw.get('id', '?'))}" if isinstance(raw, dict) else "?"
        where = f"{name}: record {record.number} ({label})"
        try:
            case = _Case(config, raw, tally)
            yield Told(where, record.number, case.events(), first_seen=case.first_seen)
        except Refused as error:
            yield Told(where, record.number, refused=[(str(error), record_bytes(raw))])


class _Case:
    def __init__(self, config: NetSuiteImport, raw: Any, tally: Tally) -> None:
        if not isinstance(raw, dict):
            raise Refused(f"is {type(raw).__name__}, not a supportCase record")
        self.config, self.raw, self.tally = config, raw, tally
        self.first_seen: set[str] = set()
        self.internal_id = _text(raw, "id")
        self.case_ref = config.case_prefix + _text(raw, "caseNumber")
        self.created = self._moment("createdDate", fallback="startDate")
        self.modified = self._moment("lastModifiedDate", fallback=None) if raw.get("lastModifiedDate") else self.created

    def events(self) -> list[Event]:
        raw, config = self.raw, self.config
        department = self._department(raw.get("assigned"))
        category_name = _name(raw.get("category"))
        category = config.categories.get(category_name or "", "other")
        company = _ref_id(raw.get("company"))
        party = config.companies.get(company or "") or (f"netsuite-customer-{company}" if company else None)
        priority = PRIORITIES.get((_name(raw.get("priority")) or "").lower(), "normal")
        title = raw.get("title")
        events = [self._event("opened", self.created, "case.opened", {
            "category": category, "party_ref": party, "priority": priority,
            "summary": title if isinstance(title, str) and title.strip() else f"NetSuite case {self.case_ref}"},
            department=department)]
        events += self._contacts(party, department)
        assigned = _ref_id(raw.get("assigned"))
        if assigned:
            events.append(self._event(f"assigned-{assigned}", self.modified, "case.assigned",
                                      {"department": department, "agent": f"netsuite-employee-{assigned}"},
                                      department=department, seen=True))
        for escalatee in _items(raw.get("escalateTo")):
            employee = _ref_id(escalatee.get("escalatee")) or _ref_id(escalatee)
            if employee:
                events.append(self._event(f"escalated-{employee}", self.modified, "case.escalated",
                                          {"level": config.escalation_level}, department=department, seen=True))
        events += self._status(department)
        return events

    def _status(self, department: str) -> list[Event]:
        status = (_name(self.raw.get("status")) or "").lower()
        events: list[Event] = []
        reopened = self.raw.get("lastReopenedDate")
        if reopened:
            at = self._moment("lastReopenedDate", fallback=None)
            events.append(self._event(f"reopened-{rfc_id(at)}", at, "case.reopened",
                                      {"reason": "re-opened in NetSuite"}, department=department))
        if status == CLOSED:
            at = self._moment("endDate", fallback=None) if self.raw.get("endDate") else self.modified
            events.append(self._event(f"closed-{rfc_id(at)}", at, "case.resolved",
                                      {"resolution": "closed in NetSuite"}, department=department))
        elif status in WAITING:
            self.tally.skip(f"status {status}")
        elif status == ESCALATED and not _items(self.raw.get("escalateTo")):
            events.append(self._event("escalated", self.modified, "case.escalated",
                                      {"level": self.config.escalation_level}, department=department, seen=True))
        return events

    def _contacts(self, party: str | None, department: str) -> list[Event]:
        """The call, chat or visit the case came from, then each message of the case: one contact each.
        A case that came by e-mail has that e-mail among its messages."""
        party = party or "netsuite-customer-unknown"
        events: list[Event] = []
        origin = MEDIA.get((_name(self.raw.get("origin")) or "").lower(), "email")
        if origin != "email":
            events.append(self._event("origin", self.created, "contact.started", {
                "contact_ref": f"{self.case_ref}-O", "party_ref": party, "medium": origin, "direction": "inbound"},
                department=department))
        messages = self.raw.get("messages", [])
        items = messages.get("items", []) if isinstance(messages, dict) else messages
        if not isinstance(items, list):
            raise Refused(f"messages is {type(messages).__name__}, not a list of message records")
        company = _ref_id(self.raw.get("company"))
        for index, message in enumerate(items):
            if not isinstance(message, dict) or not isinstance(message.get("id"), int | str):
                raise Refused(f"messages[{index}] is not a message record with an id")
            try:
                at = parse_time(message.get("messageDate"), "messageDate")
            except Refused as error:
                raise Refused(f"messages[{index}].{error}") from None
            incoming = message.get("incoming")
            if not isinstance(incoming, bool):  # without the flag: the company wrote it, or we did
                incoming = company is not None and _ref_id(message.get("author")) == company
            events.append(cloud_event(self.config.source, f"message-{message['id']}", "contact.started", at, {
                "contact_ref": f"{self.case_ref}-M{message['id']}", "party_ref": party, "medium": "email",
                "direction": "inbound" if incoming else "outbound", "case_ref": self.case_ref},
                department=department))
        return events

    def _event(self, suffix: str, at: datetime, kind: str, data: dict[str, Any], department: str,
               seen: bool = False) -> Event:
        event = cloud_event(self.config.source, f"supportcase-{self.internal_id}-{suffix}", kind, at,
                            {"case_ref": self.case_ref, **data}, department=department)
        if seen:  # timed by the record's last modification: the first export to see it stands
            self.first_seen.add(event["id"])
        return event

    def _department(self, assigned: Any) -> str:
        employee = _ref_id(assigned)
        return self.config.employees.get(employee or "", self.config.department)

    def _moment(self, key: str, fallback: str | None) -> datetime:
        value = self.raw.get(key)
        if value is None and fallback is not None:
            key, value = fallback, self.raw.get(fallback)
        if isinstance(value, str) and len(value) == 10:  # a date alone: the start of that day, UTC
            value += "T00:00:00Z"
        return parse_time(value, key)


def rfc_id(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.strip():
        return str(value)
    raise Refused(f"{key} {shown(value)} is missing or not a case number" if key == "caseNumber"
                  else f"{key} {shown(value)} is missing or not an id")


def _ref_id(value: Any) -> str | None:
    """The internal id of a record reference (``{"id": "17", "refName": "..."}``)."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if isinstance(value, int | str) and str(value) else None


def _name(value: Any) -> str | None:
    """The name of a list value (``{"id": "5", "refName": "Closed"}``, or the name alone)."""
    if isinstance(value, dict):
        value = value.get("refName")
    return value if isinstance(value, str) else None


def _items(value: Any) -> list[dict[str, Any]]:
    """A sublist's lines, expanded (``{"items": [...]}``) or as a plain list; links alone hold none."""
    items = value.get("items", []) if isinstance(value, dict) else value
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
