"""Zendesk's ticket history as inbound events: the incremental ticket event export
(``ticket_events`` with ``child_events``) or ticket audits (``audits`` with ``events`` and ``via``).

A file is one JSON response of either endpoint, or JSON Lines of such responses (one page a
line). Each audit is one update of a ticket; its events say what changed. The mapping, and what
it loses, is in docs/helpdesks.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from casetrail.adapters.importers.helpdesk import (
    Event,
    ExportError,
    Known,
    Refused,
    Tally,
    Told,
    cloud_event,
    json_documents,
    parse_time,
    record_bytes,
    shown,
)
from casetrail.domain.config import ZendeskImport

# Event types that change the ticket or speak with the requester, and those that only notify,
# share or annotate (read and counted, with no event of casetrail's). Any other is refused.
TOLD_TYPES = frozenset({"Create", "Change", "Comment", "VoiceComment"})
UNTOLD_TYPES = frozenset({
    "Notification", "NotificationWithCcs", "SMSNotification", "Cc", "FollowerNotification", "FollowerChange",
    "EmailCcChange", "CommentPrivacyChange", "CommentRedactionEvent", "AttachmentRedactionEvent",
    "TicketSharingEvent", "OrganizationActivity", "AgentMacroReference", "SatisfactionRating",
    "SatisfactionRatingEvent", "SuspendedTicketRecovery", "SlaTargetChange", "Error", "Tweet", "FacebookEvent",
    "FacebookComment", "External", "LogMeInTranscript", "Push", "ChatStartedEvent", "ChatEndedEvent",
    "AssociateAttValsEvent", "SurveyOffered", "SurveyResponseSubmitted", "OfferedTo", "RoutingChannel",
    "CollaborationThreadCreated", "Audit",
})
# The ticket fields a Create or Change speaks of; in the incremental export a child event names
# its field by a key of its own, in audits by ``field_name``.
TICKET_FIELDS = ("status", "priority", "group_id", "assignee_id", "requester_id", "tags", "subject", "type")
PRIORITIES = {"low": "low", "normal": "normal", "high": "high", "urgent": "critical"}
WAITING = frozenset({"pending", "hold"})
ENDED = frozenset({"solved", "closed"})
# The medium a channel reaches the party by. Channels that are the agent's own tool (the web
# interface, the API, a rule) say nothing of it: the comment goes by the ticket's channel.
MEDIA = {
    "email": "email", "mail": "email", "web": "email", "web_form": "email", "help_center": "email",
    "voice": "phone", "phone": "phone", "phone_call_inbound": "phone", "phone_call_outbound": "phone",
    "voicemail": "phone", "chat": "chat", "chat_transcript": "chat", "native_messaging": "chat",
    "mobile_sdk": "chat", "sms": "chat", "twitter": "social", "facebook": "social", "instagram_dm": "social",
    "whatsapp": "social", "any_channel": "social", "letter": "letter",
}
DEFAULT_MEDIUM = "email"


@dataclass
class Child:
    """One event of an audit, read the same from either format."""

    index: int
    event_id: str
    kind: str
    fields: dict[str, tuple[Any, Any]]  # field → (value, previous value)
    public: bool
    author: str | None
    channel: str | None
    call: str | None  # a call's via.source.rel: inbound, outbound or voicemail
    raw: Any


@dataclass
class Audit:
    number: int  # the record's place in the file, from 1
    audit_id: str
    ticket_id: str
    at: datetime
    author: str | None
    channel: str | None
    children: list[Child]
    merged: list[str]  # tickets merged into this one by this update (incremental export only)
    refused: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Ticket:
    """What the events so far say of a ticket: what the next ones are told against."""

    case_ref: str
    opened: bool = False
    party: str | None = None
    department: str | None = None
    agent: str | None = None
    status: str = "new"
    category: str | None = None
    medium: str = DEFAULT_MEDIUM
    contact: str | None = None  # the latest contact, which a change of group transfers


def read_audits(path: str) -> list[Audit]:
    """Every audit of the file in file order; a file that is neither export is refused whole."""
    name = Path(path).name
    pages = json_documents(path)
    audits: list[Audit] = []
    for page_number, page in enumerate(pages, start=1):
        if not isinstance(page, dict) or not ({"ticket_events", "audits"} & set(page)):
            where = f"{name}" if len(pages) == 1 else f"{name}: line {page_number}"
            raise ExportError(f"{where}: not a Zendesk export: no 'ticket_events' or 'audits' list")
        form = "ticket_events" if "ticket_events" in page else "audits"
        records = page[form]
        if not isinstance(records, list):
            raise ExportError(f"{name}: '{form}' is {type(records).__name__}, not a list")
        for record in records:
            audits.append(_audit(len(audits) + 1, record, form))
    return audits


def _audit(number: int, record: Any, form: str) -> Audit:
    """One record read; what it lacks is said in its ``refused``, naming the record."""
    if not isinstance(record, dict):
        return _refused_audit(number, record, f"is {type(record).__name__}, not an object")
    audit_id = record.get("id")
    ticket_id = record.get("ticket_id")
    if not isinstance(audit_id, int | str) or not isinstance(ticket_id, int | str):
        missing = "id" if not isinstance(audit_id, int | str) else "ticket_id"
        return _refused_audit(number, record, f"{missing} is missing or not a number")
    try:
        at = parse_time(record.get("created_at", record.get("timestamp")), "created_at")
    except Refused as error:
        return _refused_audit(number, record, str(error), str(audit_id))
    children_key = "child_events" if form == "ticket_events" else "events"
    raw_children = record.get(children_key)
    if not isinstance(raw_children, list):
        return _refused_audit(number, record, f"{children_key} is missing or not a list", str(audit_id))
    if form == "ticket_events":
        author, channel = _user(record.get("updater_id")), _channel(record.get("via"))
    else:
        author, channel = _user(record.get("author_id")), _channel(record.get("via"))
    audit = Audit(number, str(audit_id), str(ticket_id), at, author, channel, [],
                  [str(t) for t in record.get("merged_ticket_ids") or []])
    for index, raw in enumerate(raw_children):
        try:
            audit.children.append(_child(index, raw, form, children_key))
        except Refused as error:
            audit.refused.append((str(error), record_bytes(raw)))
    return audit


def _refused_audit(number: int, record: Any, reason: str, audit_id: str = "?") -> Audit:
    audit = Audit(number, audit_id, "?", datetime.min, None, None, [], [])
    audit.refused.append((reason, record_bytes(record)))
    return audit


def _child(index: int, raw: Any, form: str, key: str) -> Child:
    type_key = "event_type" if form == "ticket_events" else "type"
    if not isinstance(raw, dict):
        raise Refused(f"{key}[{index}] is {type(raw).__name__}, not an object")
    kind = raw.get(type_key, raw.get("type"))
    if kind not in TOLD_TYPES and kind not in UNTOLD_TYPES:
        raise Refused(f"{key}[{index}].{type_key} {shown(kind)} is not a Zendesk audit event type this import knows")
    if not isinstance(raw.get("id"), int | str):
        raise Refused(f"{key}[{index}].id is missing or not a number")
    fields: dict[str, tuple[Any, Any]] = {}
    if kind in ("Create", "Change"):
        if form == "audits":
            name = raw.get("field_name")
            if not isinstance(name, str):
                raise Refused(f"{key}[{index}].field_name is missing for a {kind} event")
            fields[name] = (raw.get("value"), raw.get("previous_value"))
        else:
            fields = {name: (raw[name], raw.get("previous_value")) for name in TICKET_FIELDS if name in raw}
    public = bool(raw.get("public", raw.get("comment_public", False)))
    via = raw.get("via")
    source = via.get("source") if isinstance(via, dict) else None
    call = source.get("rel") if isinstance(source, dict) else None
    return Child(index, str(raw["id"]), str(kind), fields, public, _user(raw.get("author_id")),
                 _channel(via), call if isinstance(call, str) else None, raw)


def _user(value: Any) -> str | None:
    return str(value) if isinstance(value, int | str) and value != "" else None


def _channel(via: Any) -> str | None:
    """The via channel, in the audits' object form or the incremental export's words ("Web form")."""
    if isinstance(via, dict):
        via = via.get("channel")
    return via.strip().lower().replace(" ", "_") if isinstance(via, str) else None


def tell(audits: list[Audit], config: ZendeskImport, known: Known, tally: Tally, name: str) -> Iterator[Told]:
    """Each audit's events, ticket by ticket in the order its updates happened."""
    by_ticket: dict[str, list[Audit]] = {}
    for audit in audits:
        if audit.ticket_id == "?":
            named = f" (audit {audit.audit_id})" if audit.audit_id != "?" else ""
            yield Told(f"{name}: record {audit.number}{named}", audit.number, refused=audit.refused)
        else:
            by_ticket.setdefault(audit.ticket_id, []).append(audit)
    for ticket_id, updates in by_ticket.items():
        for audit in updates:
            for merged in audit.merged:
                # The merged ticket's resolution is the merge; its own closing, at the same moment,
                # is in its history, and is handed on after this so that the ticket ends closed.
                yield Told(f"{name}: record {audit.number} (audit {audit.audit_id})", audit.number, [cloud_event(
                    config.source, f"{audit.audit_id}-merged-{merged}", "case.resolved", audit.at,
                    {"case_ref": config.case_prefix + merged,
                     "resolution": f"merged into {config.case_prefix}{ticket_id}"}, actor=_actor(audit.author))])
    for ticket_id, updates in by_ticket.items():
        updates.sort(key=lambda a: (a.at, int(a.audit_id) if a.audit_id.isdigit() else 0, a.audit_id))
        ticket = _ticket_before(config.case_prefix + ticket_id, updates[0], known)
        teller = _Teller(config, ticket, tally)
        for audit in updates:
            yield Told(f"{name}: record {audit.number} (audit {audit.audit_id})", audit.number, teller.audit(audit),
                       audit.refused)


def _ticket_before(case_ref: str, first: Audit, known: Known) -> Ticket:
    """The ticket as the store knows it before the file's first update of it, when the file does
    not hold its creation (an incremental export that starts after it)."""
    ticket = Ticket(case_ref)
    if any(child.kind == "Create" for child in first.children):
        return ticket
    for kind, data, department, occurred_at in known.case_rows(case_ref):
        if occurred_at >= first.at:
            continue
        if kind == "case.opened":
            ticket.opened, ticket.party, ticket.category = True, data.get("party_ref"), data["category"]
            ticket.department, ticket.status = department, "open"
        elif kind == "case.assigned":
            ticket.department, ticket.agent = data["department"], data.get("agent")
        elif kind == "case.categorized":
            ticket.category = data["category"]
        elif kind == "case.resolved":
            ticket.status = "solved"
        elif kind == "case.reopened":
            ticket.status = "open"
        elif kind == "case.closed":
            ticket.status = "closed"
        elif kind == "contact.started":
            ticket.contact, ticket.medium = data["contact_ref"], data["medium"]
    return ticket


def _actor(user: str | None) -> str | None:
    return f"zendesk-user-{user}" if user else None


class _Teller:
    """Tells the audits of one ticket, in order, against what the ones before said."""

    def __init__(self, config: ZendeskImport, ticket: Ticket, tally: Tally) -> None:
        self.config, self.ticket, self.tally = config, ticket, tally

    def audit(self, audit: Audit) -> list[Event]:
        events: list[Event] = []
        creates = [c for c in audit.children if c.kind == "Create"]
        if creates and not self.ticket.opened:
            events += self._open(audit, creates)
        for child in audit.children:
            if child.kind == "Create":
                continue  # told with the opening
            if child.kind == "Change":
                for name, (value, previous) in child.fields.items():
                    events += self._change(audit, child, name, value, previous)
            elif child.kind in ("Comment", "VoiceComment"):
                events += self._comment(audit, child)
            else:
                self.tally.skip(f"{child.kind} events")
        return events

    def _event(self, audit: Audit, child: Child, kind: str, data: dict[str, Any], suffix: str = "") -> Event:
        return cloud_event(self.config.source, f"{audit.audit_id}-{child.event_id}{suffix}", kind, audit.at,
                           {"case_ref": self.ticket.case_ref, **data}, actor=_actor(child.author or audit.author),
                           department=self.ticket.department or self.config.department)

    def _open(self, audit: Audit, creates: list[Child]) -> list[Event]:
        ticket, values = self.ticket, {name: value for c in creates for name, (value, _) in c.fields.items()}
        ticket.opened = True
        ticket.party = self._party(values.get("requester_id"))
        ticket.medium = MEDIA.get(audit.channel or "", DEFAULT_MEDIUM)
        ticket.department = self._department(values.get("group_id"))
        ticket.agent = _actor(_user(values.get("assignee_id")))
        ticket.category = self._category(values.get("tags"))
        ticket.status = str(values.get("status") or "new")
        subject = values.get("subject")
        number = ticket.case_ref.removeprefix(self.config.case_prefix)
        events = [self._event(audit, creates[0], "case.opened", {
            "category": ticket.category, "party_ref": ticket.party,
            "summary": subject if isinstance(subject, str) and subject.strip() else f"Zendesk ticket {number}",
            "priority": PRIORITIES.get(str(values.get("priority")), "normal")})]
        if ticket.department is not None or ticket.agent is not None:
            assigned = {"department": ticket.department or self.config.department, "agent": ticket.agent}
            events.append(self._event(audit, creates[0], "case.assigned", assigned, "-assigned"))
        if ticket.status in ENDED:
            events.append(self._status(audit, creates[0], ticket.status))
        elif ticket.status in WAITING:
            self.tally.skip(f"status {ticket.status}")
        return events

    def _change(self, audit: Audit, child: Child, name: str, value: Any, previous: Any) -> list[Event]:
        ticket = self.ticket
        if name == "status":
            before, ticket.status = ticket.status, str(value)
            previous = str(previous) if previous is not None else before
            if value in ENDED:
                return [self._status(audit, child, str(value))]
            if previous in ENDED:
                return [self._event(audit, child, "case.reopened", {"reason": f"{previous} ticket set to {value}"})]
            if value in WAITING:
                self.tally.skip(f"status {value}")
            return []
        if name == "group_id":
            left, ticket.department = ticket.department, self._department(value)
            events = [self._event(audit, child, "case.assigned",
                                  {"department": ticket.department or self.config.department, "agent": ticket.agent})]
            if left is not None and ticket.department != left and ticket.contact is not None:
                # A change of group hands the requester's conversation to another department.
                events.append(cloud_event(self.config.source, f"{audit.audit_id}-{child.event_id}-transfer",
                                          "contact.transferred", audit.at,
                                          {"contact_ref": ticket.contact,
                                           "to_department": ticket.department or self.config.department,
                                           "reason": "group changed"},
                                          actor=_actor(child.author or audit.author), department=left))
            return events
        if name == "assignee_id":
            ticket.agent = _actor(_user(value))
            return [self._event(audit, child, "case.assigned",
                                {"department": ticket.department or self.config.department, "agent": ticket.agent})]
        if name == "tags":
            category = self._category(value)
            if category != ticket.category:
                ticket.category = category
                return [self._event(audit, child, "case.categorized", {"category": category})]
            return []
        if name == "requester_id":
            ticket.party = self._party(value)
        self.tally.skip(f"{name} changes")
        return []

    def _status(self, audit: Audit, child: Child, status: str) -> Event:
        if status == "solved":
            return self._event(audit, child, "case.resolved", {"resolution": "solved in Zendesk"})
        return self._event(audit, child, "case.closed", {})

    def _comment(self, audit: Audit, child: Child) -> list[Event]:
        if not child.public:
            self.tally.skip("internal notes")
            return []
        ticket = self.ticket
        author = child.author or audit.author
        contact = f"{ticket.case_ref}-{child.event_id}"
        medium = "phone" if child.kind == "VoiceComment" else (
            MEDIA.get(child.channel or audit.channel or "") or ticket.medium)
        ticket.contact = contact
        party = ticket.party or self._party(None)
        if child.kind == "VoiceComment" and child.call in ("inbound", "voicemail", "outbound"):
            inbound = child.call != "outbound"
        else:
            inbound = author is not None and self._party(author) == party
        return [self._event(audit, child, "contact.started", {
            "contact_ref": contact, "party_ref": party, "medium": medium,
            "direction": "inbound" if inbound else "outbound"})]

    def _party(self, user: Any) -> str:
        user_id = _user(user)
        if user_id is None:
            return "zendesk-user-unknown"
        return self.config.users.get(user_id) or f"zendesk-user-{user_id}"

    def _department(self, group: Any) -> str | None:
        group_id = _user(group)
        if group_id is None:
            return None
        return self.config.groups.get(group_id) or f"zendesk-group-{group_id}"

    def _category(self, tags: Any) -> str:
        for tag in tags if isinstance(tags, list) else str(tags or "").split():
            if tag in self.config.tags:
                return self.config.tags[tag]
        return "other"
