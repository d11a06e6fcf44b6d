"""The cases behind a report's number: what each figure of ``projections.reports`` counts, as the
list of cases it counted (one entry per thing counted), so that a report's drill-down lists
exactly the cases of its figure.

A bucket names the figure: the measure, the period, and the breakdown it is a cell of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from casetrail.projections import reports
from casetrail.projections.reports import FACTOR_STATUSES, CaseFacts, FactorFacts, Period

# What a figure counts: cases opened, resolved, open at the period's end, outstanding at a moment,
# first contacts with a department, or factors in a status.
MEASURES = ("opened", "resolved", "open_at_end", "outstanding", "first_contact", *FACTOR_STATUSES)


@dataclass(frozen=True)
class Bucket:
    measure: str
    first: date
    last: date
    zone: tzinfo
    at: datetime | None = None  # outstanding: the moment looked at
    category: str | None = None  # a by_category cell, or a top issue
    holder: str | None = None  # a by_department cell of weekly or monthly ("unassigned" when none)
    priority: str | None = None  # an outstanding cell
    age: str | None = None  # an outstanding cell: its age bucket's label
    department: str | None = None  # departments: first contacts, or the factors naming it
    code: str | None = None  # departments: the factors of one code

    @property
    def period(self) -> Period:
        return Period(self.first, self.last, self.zone)


def counted(bucket: Bucket, cases: list[CaseFacts], factors: list[FactorFacts]) -> list[str]:
    """The case of each thing the figure counted, in the report's order: its length is the figure."""
    period = bucket.period
    if bucket.measure == "outstanding":
        at = bucket.at or period.end
        return [item["case_ref"] for item in reports.outstanding(cases, at)
                if _matches(bucket.priority, item["priority"]) and _matches(bucket.age, item["age_bucket"])]
    if bucket.measure in FACTOR_STATUSES:
        in_period = {c.case_ref for c in cases if period.holds(c.opened_at)}
        return [f.case_ref for f in factors if f.case_ref in in_period and f.status == bucket.measure
                and _matches(bucket.department, f.department) and _matches(bucket.code, f.code)]
    chosen = [c for c in cases if _case_counted(bucket, period, c)]
    return [c.case_ref for c in chosen]


def _case_counted(bucket: Bucket, period: Period, case: CaseFacts) -> bool:
    if not _matches(bucket.category, case.category) or not _matches(bucket.holder, case.holder or "unassigned"):
        return False
    if bucket.measure == "opened":
        return period.holds(case.opened_at)
    if bucket.measure == "resolved":
        return period.holds(case.resolved_at)
    if bucket.measure == "open_at_end":
        return case.open_at(period.end)
    if bucket.measure == "first_contact":
        return period.holds(case.opened_at) and case.first_contact is not None and case.first_contact == bucket.department
    raise ValueError(f"measure: {bucket.measure!r} is not one of {', '.join(MEASURES)}")


def _matches(wanted: str | None, value: str) -> bool:
    return wanted is None or wanted == value
