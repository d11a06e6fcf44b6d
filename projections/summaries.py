"""One line a person can read for each kind of event on a timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]


def summarize(event_type: str, data: Data) -> str:
    describe = _SUMMARIES.get(event_type)
    return describe(data) if describe else event_type


def _nights(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def _channels(channels: list[str]) -> str:
    return "all channels" if "*" in channels else ", ".join(channels)


def _because(data: Data, key: str = "reason") -> str:
    return f" ({data[key]})" if data.get(key) else ""


def _money(data: Data) -> str:
    return f" ({data['amount']} {data.get('currency', '')})".rstrip() if data.get("amount") else ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _booking_created(d: Data) -> str:
    return (f"booking {d['booking_ref']} for {d['resource']} from {d['date']}, {_plural(d.get('nights', 1), 'night')}, "
            f"{_plural(d.get('units', 1), 'unit')} via {d['channel']}{_money(d)}")


def _booking_modified(d: Data) -> str:
    changes = ", ".join(f"{k} {v}" for k, v in sorted(d["changes"].items()))
    return f"booking {d['booking_ref']} changed: {changes}{_because(d)}"


def _contact_started(d: Data) -> str:
    toward = "from" if d["direction"] == "inbound" else "to"
    topic = f": {d['topic']}" if d.get("topic") else ""
    return f"{d['direction']} {d['medium']} contact {d['contact_ref']} {toward} {d['party_ref']}{topic}"


def _held(d: Data) -> str:
    minutes, seconds = divmod(d["seconds"], 60)
    return f"contact {d['contact_ref']} on hold {minutes} min {seconds:02d} s"


def _procedure_step(d: Data) -> str:
    subject = f"booking {d['booking_ref']}" if d.get("booking_ref") else f"contact {d['contact_ref']}"
    return f"{d['procedure']} step {d['step']} done for {subject}"


def _case_opened(d: Data) -> str:
    return f"case {d['case_ref']} opened: {d['summary']} ({d['category']}, {d.get('priority', 'normal')})"


def _factor_added(d: Data) -> str:
    return f"factor {d['code']} added against {d['department']}: {d['explanation']}"


_SUMMARIES: dict[str, Callable[[Data], str]] = {
    "booking.created": _booking_created,
    "booking.modified": _booking_modified,
    "booking.cancelled": lambda d: f"booking {d['booking_ref']} cancelled{_because(d)}",
    "booking.checked_in": lambda d: f"booking {d['booking_ref']} checked in",
    "booking.no_show": lambda d: f"booking {d['booking_ref']} no-show",
    "booking.relocated": lambda d: f"booking {d['booking_ref']} relocated to {d['to']}{_because(d)}",
    "payment.failed": lambda d: f"payment {d['attempt_ref']} by {d['guest_ref']} failed: {d['reason']}{_money(d)}",
    "payment.succeeded": lambda d: f"payment {d['attempt_ref']} by {d['guest_ref']} succeeded",
    "inventory.set": lambda d: f"{d['resource']} {d['date']}: {d['available']} available",
    "inventory.closed": lambda d: f"stop-sell {d['resource']} {_nights(d['from'], d['to'])} on {_channels(d['channels'])}",
    "inventory.opened": lambda d: (f"stop-sell lifted {d['resource']} {_nights(d['from'], d['to'])} "
                                   f"on {_channels(d['channels'])}"),
    "inventory.acknowledged": lambda d: f"{d['channel']} acknowledged update {d['update_id']}",
    "contact.started": _contact_started,
    "contact.held": _held,
    "contact.transferred": lambda d: f"contact {d['contact_ref']} transferred to {d['to_department']}{_because(d)}",
    "contact.escalated": lambda d: f"contact {d['contact_ref']} escalated to {d['level']}",
    "contact.ended": lambda d: f"contact {d['contact_ref']} ended: {d['outcome']}",
    "procedure.step": _procedure_step,
    "case.opened": _case_opened,
    "case.assigned": lambda d: f"case {d['case_ref']} assigned to {d['department']}" + (
        f" ({d['agent']})" if d.get("agent") else ""),
    "case.categorized": lambda d: f"case {d['case_ref']} categorized as {d['category']}",
    "case.escalated": lambda d: f"case {d['case_ref']} escalated to {d['level']}",
    "case.factor_added": _factor_added,
    "case.linked": lambda d: "linked " + ", ".join(
        f"{name.removesuffix('_refs')} {', '.join(d[name])}" for name in ("booking_refs", "party_refs", "contact_refs")
        if d.get(name)),
    "case.factor_proposed": lambda d: f"factor {d['code']} proposed against {d['department']}: {d['explanation']}",
    "case.factor_confirmed": lambda d: f"factor {d['code']} ({d['department']}) confirmed: {d['rationale']}",
    "case.factor_rejected": lambda d: f"factor {d['code']} ({d['department']}) rejected: {d['rationale']}",
    "case.resolved": lambda d: f"case {d['case_ref']} resolved: {d['resolution']}",
    "case.reopened": lambda d: f"case {d['case_ref']} reopened{_because(d)}",
    "case.closed": lambda d: f"case {d['case_ref']} closed",
}
