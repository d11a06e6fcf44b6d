"""A desk's mailbox as inbound events: an mbox file (what a Gmail export gives) or a Maildir.

Messages are joined into threads by ``Message-ID``, ``In-Reply-To`` and ``References``; each
thread is one e-mail contact, started by its first message. Only headers are read: no body is
stored, and no address becomes a ref (docs/helpdesks.md).
"""

from __future__ import annotations

import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

from casetrail.adapters.importers.helpdesk import (
    Event,
    ExportError,
    Known,
    Tally,
    Told,
    cloud_event,
    party_of_address,
)
from casetrail.domain.config import MailboxImport

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_REPLY = re.compile(r"^\s*((re|aw|sv|fwd?|fw|tr|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(fwd?|fw|tr|wg)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Mail:
    """What is read of one message: its headers, never its body."""

    number: int  # its place in the mailbox, from 1
    message_id: str
    at: datetime
    sender: str
    recipients: tuple[str, ...]
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str

    @property
    def forward(self) -> bool:
        return bool(_FORWARD.match(self.subject))

    @property
    def topic(self) -> str | None:
        return _REPLY.sub("", self.subject).strip() or None


def open_mailbox(path: str) -> mailbox.Mailbox[mailbox.Message]:
    """A Maildir (a folder with ``cur``, ``new`` and ``tmp``) or an mbox file."""
    place = Path(path)
    if place.is_dir():
        if not all((place / part).is_dir() for part in ("cur", "new", "tmp")):
            raise ExportError(f"{place.name}: not a Maildir: it has no cur, new and tmp folders")
        return mailbox.Maildir(path, factory=None, create=False)
    with open(path, "rb") as start:
        if not start.read(5) == b"From ":
            raise ExportError(f"{place.name}: not an mbox file: it does not begin with a 'From ' line")
    return mailbox.mbox(path, create=False)


def read_mail(path: str) -> tuple[list[Mail], list[Told]]:
    """Every message's headers, in mailbox order, and the messages that cannot be told, with why."""
    box, name = open_mailbox(path), Path(path).name
    mails: list[Mail] = []
    refused: list[Told] = []
    try:
        for number, message in enumerate(box, start=1):
            reason = None
            try:
                mail = _mail(number, message)
            except ValueError as error:
                reason, mail = str(error), None
            if mail is not None:
                mails.append(mail)
            else:
                where = f"{name}: record {number}" + (f" ({message['Message-ID']})" if message["Message-ID"] else "")
                kept = _headers(message).encode()
                refused.append(Told(where, number, refused=[(reason or "unreadable", kept)]))
    finally:
        box.close()
    return mails, refused


KEPT_HEADERS = frozenset({"message-id", "date", "subject", "in-reply-to", "references"})


def _headers(message: Message) -> str:
    """What is kept of a refused message: the headers that name no one, never its body."""
    return "".join(f"{key}: {value}\n" for key, value in message.items() if key.lower() in KEPT_HEADERS)


def _mail(number: int, message: Message) -> Mail:
    ids = _ids(message["Message-ID"])
    if not ids:
        raise ValueError("Message-ID header is missing or not <id@host>")
    date = message["Date"]
    try:
        at = email.utils.parsedate_to_datetime(str(date)) if date else None
    except (TypeError, ValueError):
        at = None
    if at is None or at.tzinfo is None:
        raise ValueError(f"Date header {str(date)[:80]!r} is missing or has no time zone")
    sender = email.utils.parseaddr(str(message["From"] or ""))[1]
    if "@" not in sender:
        raise ValueError("From header has no address")
    recipients = tuple(address for _, address in email.utils.getaddresses(
        [str(v) for v in (message.get_all("To") or []) + (message.get_all("Cc") or [])]) if "@" in address)
    subject = str(make_header(decode_header(str(message["Subject"] or ""))))
    in_reply_to = _ids(message["In-Reply-To"])
    return Mail(number, ids[0], at, sender.lower(), tuple(r.lower() for r in recipients),
                in_reply_to[0] if in_reply_to else None, tuple(_ids(message["References"])), subject)


def _ids(header: object) -> list[str]:
    return _MESSAGE_ID.findall(str(header)) if header else []


def threads(mails: list[Mail]) -> dict[str, list[Mail]]:
    """Messages by thread, each oldest first. A thread is named by its first message's id: the first
    of ``References`` (else ``In-Reply-To``), followed through the file while it names a message there."""
    by_id = {mail.message_id: mail for mail in mails}

    def root(mail: Mail, seen: frozenset[str] = frozenset()) -> str:
        parent = mail.references[0] if mail.references else mail.in_reply_to
        if parent is None:
            return mail.message_id
        found = by_id.get(parent)
        if found is None or found.message_id in seen or found is mail:
            return parent
        return root(found, seen | {mail.message_id})

    grouped: dict[str, list[Mail]] = {}
    for mail in mails:
        grouped.setdefault(root(mail), []).append(mail)
    return {key: sorted(thread, key=lambda m: (m.at, m.number)) for key, thread in grouped.items()}


def contact_ref(thread: str) -> str:
    return "mail-" + hashlib.sha256(thread.encode()).hexdigest()[:16]


def event_id(message_id: str) -> str:
    """A message's event id: a hash of its Message-ID, which often names the sender's host or more."""
    return "message-" + hashlib.sha256(message_id.encode()).hexdigest()[:32]


def tell(mails: list[Mail], config: MailboxImport, known: Known, tally: Tally, name: str) -> Iterator[Told]:
    desk = {address.lower() for address in config.desk_addresses}
    departments = {address.lower(): department for address, department in config.departments.items()}
    ours = desk | set(departments)
    parties = {address.lower(): party for address, party in config.parties.items()}
    grouped = threads(mails)
    started = known.started_contacts([contact_ref(key) for key in grouped])
    for key, thread in grouped.items():
        ref = contact_ref(key)
        first = thread[0]
        for mail in thread:
            where = f"{name}: record {mail.number} ({mail.message_id})"
            if mail is first and mail.sender in ours and all(r in ours for r in mail.recipients):
                tally.skip("threads among the desk's own addresses")
                break
            if mail is first and started.get(ref, event_id(mail.message_id)) == event_id(mail.message_id):
                yield Told(where, mail.number, [_started(mail, ref, config, ours, parties)])
            elif mail is first:
                tally.skip("first messages of threads started by an earlier import")
            elif mail.sender in ours and mail.forward and any(r in departments for r in mail.recipients):
                to = next(departments[r] for r in mail.recipients if r in departments)
                yield Told(where, mail.number, [cloud_event(
                    config.source, event_id(mail.message_id), "contact.transferred", mail.at,
                    {"contact_ref": ref, "to_department": to, "reason": "forwarded"}, department=config.department)])
            else:
                tally.skip("replies within a thread")


def _started(mail: Mail, ref: str, config: MailboxImport, ours: set[str], parties: dict[str, str]) -> Event:
    outbound = mail.sender in ours
    if outbound:
        others = [r for r in mail.recipients if r not in ours]  # one at least: see tell
        party = party_of_address(others[0], parties)
    else:
        party = party_of_address(mail.sender, parties)
    return cloud_event(config.source, event_id(mail.message_id), "contact.started", mail.at, {
        "contact_ref": ref, "party_ref": party, "medium": "email",
        "direction": "outbound" if outbound else "inbound", "topic": mail.topic}, department=config.department)
