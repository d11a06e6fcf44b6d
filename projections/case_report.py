"""A case report folded from timeline rows (spec ``cases-v1.md``).

Rows come from the timeline index, already filtered to what had occurred or
was known at the moment asked about; everything here is a pure function of
them, so the same events give the same report whatever order they arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from casetrail.domain import ids
from casetrail.domain.escalation import DEFAULT_LEVELS, rank
from casetrail.domain.lifecycle import STATUS_CHANGES, Lifecycle, StatusChange, lifecycle
from casetrail.projections.recorded import instant_of, moment_of, rfc3339


@dataclass(frozen=True)
class Row:
    source: str
    source_id: str
    type: str
    position: int
    occurred_at: str
    occurred_local: str  # as the source said it, with its offset
    reported_at: str
    recorded_at: str
    department: str
    actor: str | None
    role: str | None
    summary: str
    booking_ref: str | None
    contact_ref: str | None
    case_ref: str | None
    party_ref: str | None
    resource: str | None
    night_from: str | None
    night_to: str | None
    update_id: str | None
    details: str

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.details)
        return data

    @property
    def order(self) -> tuple[str, str, int]:
        return (self.occurred_at, self.reported_at, self.position)


@dataclass
class CaseState:
    case_ref: str
    category: str | None = None
    status: str = "open"
    priority: str = "normal"
    opened_at: str | None = None
    opened_by: str | None = None
    opened_role: str | None = None  # the opener's: "detector" when a detector found the incident
    holder: str | None = None
    resolved_at: str | None = None  # the last resolution, while the case stays resolved or closed
    booking_refs: set[str] = field(default_factory=set)
    party_refs: set[str] = field(default_factory=set)
    contact_refs: set[str] = field(default_factory=set)
    evidence: set[tuple[str, str]] = field(default_factory=set)
    factors: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def factor_list(self) -> list[dict[str, Any]]:
        return sorted(self.factors.values(), key=lambda f: (f["at"], f["code"], f["department"], f.get("subject", "")))


def fold_case(case_ref: str, case_rows: Iterable[Row]) -> CaseState:
    """The case as its own events, in the order they occurred, make it."""
    state = CaseState(case_ref)
    case_rows = sorted(case_rows, key=lambda r: r.order)
    for row in case_rows:
        data = row.data
        if row.type == "case.opened":
            state.category = state.category or data["category"]
            state.priority = data.get("priority", "normal")
            if state.opened_at is None:
                state.opened_at, state.opened_by, state.opened_role = row.occurred_at, row.actor or row.source, row.role
            state.booking_refs.update(filter(None, [data.get("booking_ref")]))
            state.party_refs.update(filter(None, [data.get("party_ref")]))
        elif row.type == "case.categorized":
            state.category = data["category"]
        elif row.type == "case.assigned":
            state.holder = data["department"]
        elif row.type == "case.linked":
            state.booking_refs.update(data.get("booking_refs", []))
            state.party_refs.update(data.get("party_refs", []))
            state.contact_refs.update(data.get("contact_refs", []))
            state.evidence.update((e["source"], e["id"]) for e in data.get("evidence", []))
        elif row.type in ("case.factor_added", "case.factor_proposed"):
            factor_key = (data["code"], data["department"], data.get("subject", ""))
            state.factors.setdefault(factor_key, {
                "code": data["code"], "department": data["department"], "at": rfc3339(row.occurred_at),
                "evidence": [{"source": e["source"], "id": e["id"]} for e in data["evidence"]],
                "explanation": data["explanation"],
                "status": "confirmed" if row.type == "case.factor_added" else "proposed",
                "proposed_by": row.actor or row.source,
                **({"subject": data["subject"]} if data.get("subject") else {}),
            })
        elif row.type in ("case.factor_confirmed", "case.factor_rejected"):
            factor = state.factors.get((data["code"], data["department"], data.get("subject", "")))
            if factor is not None:
                factor.update(status="confirmed" if row.type == "case.factor_confirmed" else "rejected",
                              decided_by=row.actor, decided_at=rfc3339(row.occurred_at), rationale=data["rationale"])
    standing = lifecycle_of(case_rows)
    state.status = standing.status
    state.resolved_at = instant_of(standing.resolved_at) if standing.resolved_at else None
    return state


def lifecycle_of(case_rows: Iterable[Row]) -> Lifecycle:
    """The case's status from its rows, by the one state machine its aggregate checks leads' changes with."""
    return lifecycle(StatusChange(r.type.removeprefix("case."), moment_of(r.occurred_at), moment_of(r.reported_at),
                                  r.position)
                     for r in case_rows if r.type in STATUS_CHANGE_TYPES)


STATUS_CHANGE_TYPES = frozenset(f"case.{change}" for change in STATUS_CHANGES)


def case_summary(state: CaseState) -> dict[str, Any]:
    """The case as ``casetrail cases`` lists it."""
    return {
        "case_id": str(ids.case_id(state.case_ref)),
        "case_ref": state.case_ref,
        "category": state.category,
        "status": state.status,
        "priority": state.priority,
        "opened_at": rfc3339(state.opened_at) if state.opened_at else None,
        # The departments the case's factors name, unless a lead rejected the factor.
        "departments": sorted({f["department"] for f in state.factors.values() if f["status"] != "rejected"}),
    }


def proactive(state: CaseState, contact_rows: Iterable[Row]) -> bool:
    """Whether the case was opened before any inbound contact from the party about it (``cases-v1``).

    No inbound contact linked to the case may have started by its opening, and the log must show
    that our side moved first: a detector opened it (from bookings, inventory or payments, not from
    a request), or we contacted the party before they contacted us. A case an agent opened with no
    contact on record does not show that the party had not asked: it is not called proactive.
    """
    if state.opened_at is None:
        return False
    started = sorted((r for r in contact_rows if r.type == "contact.started"), key=lambda r: r.order)
    inbound = next((r for r in started if r.data["direction"] == "inbound"), None)
    if inbound is not None and inbound.occurred_at <= state.opened_at:
        return False
    if state.opened_role == "detector":
        return True
    return any(r.data["direction"] == "outbound" and (inbound is None or r.order < inbound.order) for r in started)


def timeline_entry(row: Row) -> dict[str, Any]:
    return {
        "source": row.source, "id": row.source_id, "type": row.type,
        "occurred_at": rfc3339(row.occurred_at), "reported_at": rfc3339(row.reported_at),
        "recorded_at": rfc3339(row.recorded_at), "department": row.department, "actor": row.actor,
        "summary": row.summary,
    }


# The case's events the party lives through: its opening, hand-overs, escalations and changes of
# status. A lead's analysis (factors confirmed, rejected or added, a new category) and the detectors'
# bookkeeping (links, proposed factors) are not, whoever records them and however late.
CUSTOMER_CASE_EVENTS = ("case.opened", "case.assigned", "case.escalated", "case.resolved", "case.reopened",
                        "case.closed")


def effort(contact_rows: Iterable[Row], case_rows: Iterable[Row] = (),
           escalation_levels: Sequence[str] = DEFAULT_LEVELS) -> dict[str, Any]:
    """Customer effort: what the party went through across the contacts, and
    the case's own escalations and how long until it was resolved.

    ``escalation_levels`` are the configuration's, lowest first: the highest one reached is
    the last of them; a contact's own levels (supervisor, manager, executive) rank as in the
    defaults when the configuration does not list them."""
    contact_rows = sorted(contact_rows, key=lambda r: r.order)
    case_rows = sorted((r for r in case_rows if r.type in CUSTOMER_CASE_EVENTS), key=lambda r: r.order)
    contacts = {r.contact_ref for r in contact_rows if r.type == "contact.started"}
    inbound = [r for r in contact_rows if r.type == "contact.started" and r.data["direction"] == "inbound"]
    transfers = [r for r in contact_rows if r.type == "contact.transferred"]
    levels = [r.data["level"] for r in [*contact_rows, *case_rows] if r.type in ("contact.escalated", "case.escalated")]
    ended = {r.contact_ref: r.data["outcome"] for r in contact_rows if r.type == "contact.ended"}
    return {
        "contacts": len(contacts),
        "transfers": len(transfers),
        "hold_seconds": sum(r.data["seconds"] for r in contact_rows if r.type == "contact.held"),
        "agents": len({r.actor for r in contact_rows if r.actor}),
        "departments": len({r.department for r in contact_rows} | {r.data["to_department"] for r in transfers}),
        "highest_escalation": max(levels, key=lambda level: rank(level, escalation_levels), default="none"),
        "elapsed_seconds": _elapsed(contact_rows, case_rows),
        "first_contact_resolution": len(inbound) == 1 and ended.get(inbound[0].contact_ref) == "resolved",
    }


def _elapsed(contact_rows: list[Row], case_rows: list[Row]) -> int:
    """From the first contact or case event the party lives through to the resolution, or to the
    latest of those events while unresolved."""
    moments = sorted(r.occurred_at for r in [*contact_rows, *case_rows])
    if not moments:
        return 0
    standing = lifecycle_of(case_rows)
    end = instant_of(standing.resolved_at) if standing.resolved_at else moments[-1]
    return _seconds_between(moments[0], end)


def _seconds_between(first: str, last: str) -> int:
    return int((moment_of(last) - moment_of(first)).total_seconds())
