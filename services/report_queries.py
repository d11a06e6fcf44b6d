"""Answers ``casetrail report NAME``: reads the reports view and computes the report.

Every answer names the log position the view had reached, and the version
of the report definitions that computed it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from casetrail.projections import reports
from casetrail.projections.case_report import Row
from casetrail.projections.recorded import moment_of
from casetrail.projections.reports import CaseFacts, FactorFacts, Period, SlaFacts
from casetrail.services import tracking
from casetrail.services.ports import ViewReader

NAMES = ("weekly", "monthly", "top-issues", "outstanding", "departments")
DEFAULT_TOP = 6


class PeriodError(ValueError):
    """A report period that ends before it begins, once the dates not given are taken from the cases."""

    def __init__(self, first: date, last: date) -> None:
        super().__init__(f"report: --to {last} is before --from {first}")
        self.first, self.last = first, last


class ReportQueries:
    def __init__(self, store: ViewReader) -> None:
        self.store = store

    def report(self, name: str, first: date | None = None, last: date | None = None,
               zone: tzinfo = UTC, top: int = DEFAULT_TOP, now: datetime | None = None) -> dict[str, Any]:
        """Report ``name`` over dates ``first`` to ``last`` (inclusive, in ``zone``).

        Without dates, the period runs from the first case's opening to the
        latest opening or resolution. ``outstanding`` looks at the end of
        ``last`` when it is given, else at ``now``.
        """
        if name not in NAMES:
            raise ValueError(f"report: unknown report {name!r}; choose one of {', '.join(NAMES)}")
        cases = self.cases()
        period = Period(first or _default_first(cases, zone), last or _default_last(cases, zone), zone)
        if period.last < period.first:
            raise PeriodError(period.first, period.last)
        document: dict[str, Any] = {"report": name, "definition_version": reports.DEFINITION_VERSION,
                                    "position": tracking.position(self.store, tracking.REPORTS), "tz": str(zone), **period.label()}
        if name in ("weekly", "monthly"):
            document["periods"] = reports.period_report(cases, reports.split(period, name.removesuffix("ly")),
                                                        self.clocks())
        elif name == "top-issues":
            document["previous"] = period.before().label()
            document["top"] = reports.top_issues(cases, period, top)
        elif name == "outstanding":
            at = period.end if last else (now or datetime.now(UTC))
            document["at"] = reports.rfc3339_moment(at.astimezone(UTC))
            document["cases"] = reports.outstanding(cases, at)
            document["by_priority_and_age"] = reports.outstanding_grid(document["cases"])
            document["sla_at_risk"] = reports.sla_at_risk(self.clocks(), at.astimezone(UTC))
        else:
            document["departments"] = reports.departments(cases, self.factors(), period)
        return document

    def cases(self) -> list[CaseFacts]:
        rows = self.store.query(
            "SELECT case_ref, category, priority, status, opened_at, resolved_at, holder, first_contact, contacts, "
            "transfers, hold_seconds, first_contact_resolution FROM report_cases ORDER BY opened_at, case_ref")
        return [CaseFacts(r[0], r[1] or "uncategorized", r[2], r[3], moment_of(r[4]), moment_of(r[5]) if r[5] else None,
                          r[6], r[7], r[8], r[9], r[10], bool(r[11])) for r in rows]

    def clocks(self) -> list[SlaFacts]:
        """Each case's clocks under its latest policy version, from the timeline's ``sla.*`` entries:
        folded when asked, so the reports view need not change (a store of an earlier release reads
        as it did)."""
        from casetrail.projections.sla import outcomes
        from casetrail.services.case_queries import CaseQueries

        by_case: dict[str, list[Row]] = {}
        for row in CaseQueries(self.store).rows("type LIKE 'sla.%'", []):
            by_case.setdefault(str(row.case_ref), []).append(row)
        return [SlaFacts(ref, o.policy, o.version, o.metric, o.cycle, o.status, moment_of(o.started_at),
                         _moment(o.ended_at), _moment(o.warned_at), _moment(o.due_at), o.department,
                         o.elapsed_seconds, o.target_seconds)
                for ref, rows in sorted(by_case.items()) for o in outcomes(rows)]

    def factors(self) -> list[FactorFacts]:
        rows = self.store.query("SELECT case_ref, code, department, status FROM report_factors "
                                "ORDER BY case_ref, code, department, subject")
        return [FactorFacts(*row) for row in rows]


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _default_first(cases: list[CaseFacts], zone: tzinfo) -> date:
    return min((c.opened_at for c in cases), default=datetime.now(UTC)).astimezone(zone).date()


def _default_last(cases: list[CaseFacts], zone: tzinfo) -> date:
    moments = [c.opened_at for c in cases] + [c.resolved_at for c in cases if c.resolved_at]
    return max(moments, default=datetime.now(UTC)).astimezone(zone).date()
