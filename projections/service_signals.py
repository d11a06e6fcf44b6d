"""Signals that a party is being let down by the service itself: repeat
contacts without resolution, transfer loops, long holds and escalation to
executive level. They go on the party's open case, or on a new
``service_complaint`` case."""

from __future__ import annotations

from itertools import groupby

from casetrail.domain.config import Windows
from casetrail.projections.case_report import Row
from casetrail.projections.findings import FactorFinding, Finding, clock, key, local_day, minutes_between


def detect(party: str, rows: list[Row], windows: Windows) -> Finding | None:
    """``rows``: every event of every contact of the party. One service case per party."""
    rows = sorted(rows, key=lambda r: r.order)
    factors = [*_repeat_contact(party, rows, windows), *_transfer_loops(rows), *_long_holds(rows, windows),
               *_executive_escalation(rows)]
    if not factors:
        return None
    first = min(factors, key=lambda f: f.at)
    contacts = tuple(sorted({r.contact_ref for r in rows if r.contact_ref}))
    # Summary and priority are those of the opening: they must not depend on how much had arrived by then.
    return Finding(
        detector="service_signals", incident=party, opened_at=first.at,
        factors=tuple(factors), category="service_complaint", priority="normal",
        summary=f"the service keeps failing {party}", party_refs=(party,), contact_refs=contacts,
    )


def _repeat_contact(party: str, rows: list[Row], windows: Windows) -> list[FactorFinding]:
    # Only contacts known to have ended unresolved count, and the department that
    # ended the last one owns it: facts that later arrivals cannot change.
    ended = {r.contact_ref: r for r in rows if r.type == "contact.ended" and r.data["outcome"] != "resolved"}
    unresolved = [r for r in rows if r.type == "contact.started" and r.data["direction"] == "inbound"
                  and r.contact_ref in ended]
    needed, days = windows.repeat_contacts, windows.repeat_contact_window_days
    for start in range(len(unresolved) - needed + 1):
        run = unresolved[start : start + needed]
        if minutes_between(run[0].occurred_at, run[-1].occurred_at) <= days * 24 * 60:
            last = run[-1]
            dates = ", ".join(local_day(r) for r in run)
            return [FactorFinding(
                "repeat_contact", ended[last.contact_ref].department, last.occurred_at,
                f"{party} contacted us {needed} times within {days} days without resolution ({dates})",
                tuple(key(r) for r in run))]
    return []


def _transfer_loops(rows: list[Row]) -> list[FactorFinding]:
    found: dict[str, FactorFinding] = {}
    by_contact = groupby(sorted((r for r in rows if r.contact_ref), key=lambda r: (r.contact_ref, r.order)),
                         key=lambda r: r.contact_ref)
    for contact_ref, grouped in by_contact:
        events = list(grouped)
        started = next((r for r in events if r.type == "contact.started"), events[0])
        path, left_at = [started.department], {}
        for row in (r for r in events if r.type == "contact.transferred"):
            left_at[path[-1]] = row
            target = row.data["to_department"]
            if target in left_at:
                loop = path[path.index(target):]
                for department in loop:
                    found.setdefault(department, FactorFinding(
                        "transfer_loop", department, row.occurred_at,
                        f"contact {contact_ref} was transferred back to {target} at {clock(row)} after leaving it at "
                        f"{clock(left_at[target])} (loop: {' → '.join([*loop, target])})",
                        (key(left_at[target]), key(row))))
            path.append(target)
    return sorted(found.values(), key=lambda f: (f.at, f.department))


def _long_holds(rows: list[Row], windows: Windows) -> list[FactorFinding]:
    found: dict[str, FactorFinding] = {}
    for row in (r for r in rows if r.type == "contact.held"):
        seconds = int(row.data["seconds"])
        if seconds > windows.long_hold_minutes * 60:
            minutes, rest = divmod(seconds, 60)
            found.setdefault(row.department, FactorFinding(
                "long_hold", row.department, row.occurred_at,
                f"contact {row.contact_ref} was held {minutes} min {rest:02d} s by {row.department} at "
                f"{clock(row, day=True)}, over the {windows.long_hold_minutes}-minute limit", (key(row),)))
    return list(found.values())


def _executive_escalation(rows: list[Row]) -> list[FactorFinding]:
    for row in rows:
        if row.type == "contact.escalated" and row.data["level"] == "executive":
            return [FactorFinding(
                "executive_escalation", "customer_service", row.occurred_at,
                f"contact {row.contact_ref} reached executive level at {clock(row, day=True)}: "
                "the normal channels had failed", (key(row),))]
    return []
