"""The desks' reports (spec ``cases-v1.md``, "Reports"), as pure functions of the
per-case rows of the reports view.

Numbers are never stored: every report is computed from the rows when asked,
so a changed definition (bump ``DEFINITION_VERSION``) answers for past periods
too, from the log, without patching anything.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

DEFINITION_VERSION = 1
PRIORITY_ORDER = {"critical": 0, "high": 1, "normal": 2, "low": 3}
# Upper bounds in days of the outstanding report's age buckets.
AGE_BUCKETS = [(1, "under 1 day"), (3, "1-3 days"), (7, "3-7 days"), (30, "7-30 days"), (math.inf, "over 30 days")]
FACTOR_STATUSES = ("proposed", "confirmed", "rejected")


@dataclass(frozen=True)
class CaseFacts:
    case_ref: str
    category: str
    priority: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    holder: str | None
    first_contact: str | None
    contacts: int
    transfers: int
    hold_seconds: int
    first_contact_resolution: bool

    def open_at(self, moment: datetime) -> bool:
        return self.opened_at < moment and (self.resolved_at is None or self.resolved_at >= moment)


@dataclass(frozen=True)
class FactorFacts:
    case_ref: str
    code: str
    department: str
    status: str


@dataclass(frozen=True)
class SlaFacts:
    """One service-level clock of a case, under its latest policy version (docs/sla.md)."""

    case_ref: str
    policy: str
    version: int
    metric: str
    cycle: int
    status: str  # met, breached, running, paused
    started_at: datetime
    ended_at: datetime | None  # when it was met or breached
    warned_at: datetime | None
    due_at: datetime | None
    department: str
    elapsed_seconds: int
    target_seconds: int


@dataclass(frozen=True)
class Period:
    """Dates ``first`` to ``last`` inclusive, in a time zone: ``start`` <= t < ``end``."""

    first: date
    last: date
    zone: tzinfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), self.zone)

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def before(self) -> Period:
        """The period of the same length just before this one."""
        length = self.last - self.first + timedelta(days=1)
        return Period(self.first - length, self.first - timedelta(days=1), self.zone)

    def label(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def split(period: Period, unit: str) -> list[Period]:
    """Calendar weeks (Monday to Sunday) or months, cut to ``period`` so that they sum to it."""
    parts, first = [], period.first
    while first <= period.last:
        if unit == "week":
            last = first + timedelta(days=6 - first.weekday())
        else:
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        last = min(last, period.last)
        parts.append(Period(first, last, period.zone))
        first = last + timedelta(days=1)
    return parts


def period_report(cases: list[CaseFacts], periods: list[Period], clocks: Iterable[SlaFacts] = ()
                  ) -> list[dict[str, Any]]:
    """``weekly`` and ``monthly``: one entry per period, with the SLA targets met in it (``sla_met``).

    The cases are put in order once, so that each period finds its own by binary search
    rather than by a pass over every case: the report grows with its periods plus its cases.
    """
    ordered, clocks = _InOrder(cases), list(clocks)
    return [{**_period(ordered, period), "sla": sla_met(clocks, period)} for period in periods]


def sla_met(clocks: list[SlaFacts], period: Period) -> dict[str, Any]:
    """The SLA targets that came to an end in the period: met when a clock stopped before its target,
    breached when its target passed; by policy (and version) and by the department holding the case."""
    ended = [c for c in clocks if period.holds(c.ended_at)]

    def share(chosen: list[SlaFacts]) -> dict[str, Any]:
        met = sum(c.status == "met" for c in chosen)
        return {"targets": len(chosen), "met": met, "breached": len(chosen) - met,
                "share_met": _round(met / len(chosen)) if chosen else None}

    policies = sorted({(c.policy, c.version) for c in ended})
    return {**share(ended),
            "by_policy": [{"policy": name, "version": version,
                           **share([c for c in ended if (c.policy, c.version) == (name, version)])}
                          for name, version in policies],
            "by_department": [{"department": name, **share([c for c in ended if c.department == name])}
                              for name in sorted({c.department for c in ended})]}


def sla_at_risk(clocks: list[SlaFacts], at: datetime) -> list[dict[str, Any]]:
    """The clocks about to breach at ``at``: running, past their warning share, neither met nor breached
    by then; the soonest due first."""
    risky = [c for c in clocks if c.status in ("running", "breached") and c.warned_at is not None
             and c.warned_at <= at and (c.ended_at is None or c.ended_at > at)]
    risky.sort(key=lambda c: (c.due_at or c.warned_at or at, c.case_ref, c.metric, c.cycle))
    return [{"case_ref": c.case_ref, "policy": c.policy, "version": c.version, "metric": c.metric, "cycle": c.cycle,
             "department": c.department, "warned_at": rfc3339_moment(c.warned_at) if c.warned_at else None,
             "due_at": rfc3339_moment(c.due_at) if c.due_at else None, "target_seconds": c.target_seconds}
            for c in risky]


class _InOrder:
    """The cases in the order they opened, the resolved ones in the order they were resolved,
    and for each resolved case the later of its opening and its resolution."""

    def __init__(self, cases: list[CaseFacts]) -> None:
        self.by_opening = sorted(cases, key=lambda c: c.opened_at)
        self.openings = [c.opened_at for c in self.by_opening]
        resolved = sorted(((c.resolved_at, c) for c in cases if c.resolved_at is not None), key=lambda r: r[0])
        self.by_resolution = [c for _, c in resolved]
        self.resolutions = [at for at, _ in resolved]
        # Opened and resolved before a moment exactly when this is before it.
        self.settled = sorted(max(c.opened_at, c.resolved_at) for c in self.by_resolution if c.resolved_at)

    def opened_in(self, start: datetime, end: datetime) -> list[CaseFacts]:
        return self.by_opening[bisect_left(self.openings, start) : bisect_left(self.openings, end)]

    def resolved_in(self, start: datetime, end: datetime) -> list[CaseFacts]:
        return self.by_resolution[bisect_left(self.resolutions, start) : bisect_left(self.resolutions, end)]

    def open_at(self, moment: datetime) -> int:
        """How many cases ``CaseFacts.open_at`` the moment: opened before it and not resolved before it."""
        return bisect_left(self.openings, moment) - bisect_left(self.settled, moment)


def _period(cases: _InOrder, period: Period) -> dict[str, Any]:
    start, end = period.start, period.end
    opened = cases.opened_in(start, end)
    resolved = cases.resolved_in(start, end)
    hours = sorted((c.resolved_at - c.opened_at).total_seconds() / 3600 for c in resolved if c.resolved_at)
    contacted = [c for c in opened if c.contacts]
    return {
        **period.label(),
        "opened": len(opened),
        "resolved": len(resolved),
        "open_at_end": cases.open_at(end),
        "by_category": _counts_by(opened, resolved, lambda c: c.category),
        "by_department": _counts_by(opened, resolved, lambda c: c.holder or "unassigned"),
        "hours_to_resolution": {"median": _round(statistics.median(hours)) if hours else None,
                                "p90": _round(_percentile(hours, 0.9)) if hours else None},
        "effort": {
            "contacts_per_case": _round(sum(c.contacts for c in opened) / len(opened)) if opened else None,
            "transfers": sum(c.transfers for c in opened),
            "hold_seconds": sum(c.hold_seconds for c in opened),
            # Of the cases with any contact: resolved by the first one.
            "first_contact_resolution": (_round(sum(c.first_contact_resolution for c in contacted) / len(contacted))
                                         if contacted else None),
        },
    }


def top_issues(cases: list[CaseFacts], period: Period, top: int) -> list[dict[str, Any]]:
    now = Counter(c.category for c in cases if period.holds(c.opened_at))
    before = Counter(c.category for c in cases if period.before().holds(c.opened_at))
    ranked = sorted(now.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{"rank": rank, "category": category, "count": count, "previous": before[category],
             "change": count - before[category]} for rank, (category, count) in enumerate(ranked, start=1)]


def outstanding(cases: list[CaseFacts], at: datetime) -> list[dict[str, Any]]:
    """Cases open at ``at``: critical first, then by priority, oldest first."""
    still_open = [c for c in cases if c.open_at(at)]
    still_open.sort(key=lambda c: (PRIORITY_ORDER.get(c.priority, len(PRIORITY_ORDER)), c.opened_at, c.case_ref))
    items = []
    for case in still_open:
        days = (at - case.opened_at).total_seconds() / 86400
        items.append({"case_ref": case.case_ref, "category": case.category, "priority": case.priority,
                      "opened_at": rfc3339_moment(case.opened_at), "age_days": _round(days),
                      "age_bucket": next(label for bound, label in AGE_BUCKETS if days < bound),
                      "holder": case.holder})
    return items


def outstanding_grid(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many open cases of each priority fall in each age bucket."""
    counts = Counter((item["priority"], item["age_bucket"]) for item in items)
    priorities = sorted({item["priority"] for item in items}, key=lambda p: PRIORITY_ORDER.get(p, len(PRIORITY_ORDER)))
    return [{"priority": priority, **{label: counts[(priority, label)] for _, label in AGE_BUCKETS}}
            for priority in priorities]


def departments(cases: list[CaseFacts], factors: list[FactorFacts], period: Period) -> list[dict[str, Any]]:
    """Where errors come from (the factors naming each department) beside where first contact happened."""
    in_period = {c.case_ref for c in cases if period.holds(c.opened_at)}
    first_contacts = Counter(c.first_contact for c in cases if c.case_ref in in_period and c.first_contact)
    named = [f for f in factors if f.case_ref in in_period]
    names = sorted({f.department for f in named} | set(first_contacts))
    report = []
    for name in names:
        own = [f for f in named if f.department == name]
        codes = sorted({f.code for f in own})
        report.append({
            "department": name,
            "first_contact_cases": first_contacts[name],
            "factors": _statuses(own),
            "by_code": {code: _statuses(f for f in own if f.code == code) for code in codes},
        })
    return report


def _statuses(factors: Iterable[FactorFacts]) -> dict[str, int]:
    counted = Counter(f.status for f in factors)
    return {status: counted[status] for status in FACTOR_STATUSES}


def _counts_by(opened: list[CaseFacts], resolved: list[CaseFacts], key: Any) -> dict[str, dict[str, int]]:
    opened_by, resolved_by = Counter(map(key, opened)), Counter(map(key, resolved))
    return {name: {"opened": opened_by[name], "resolved": resolved_by[name]}
            for name in sorted(set(opened_by) | set(resolved_by))}


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below it."""
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _round(value: float) -> float:
    return round(value, 2)


def rfc3339_moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
