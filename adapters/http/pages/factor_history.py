"""Every proposal, addition, confirmation and rejection of a case's factors, with who, when and why,
as known at the moment the page shows (a decision made later is not yet on an earlier page)."""

from __future__ import annotations

from dataclasses import dataclass

from casetrail.projections.recorded import rfc3339
from casetrail.services.case_queries import CaseQueries, Moment

KINDS = {"case.factor_proposed": "proposed", "case.factor_added": "added",
         "case.factor_confirmed": "confirmed", "case.factor_rejected": "rejected"}

FactorKey = tuple[str, str, str]  # code, department, subject ("" when none)


@dataclass(frozen=True)
class Step:
    kind: str
    by: str
    role: str | None
    at: str
    why: str  # the explanation of a proposal or addition, the rationale of a decision


def factor_key(factor: dict[str, str]) -> FactorKey:
    return factor["code"], factor["department"], factor.get("subject", "")


def factor_histories(cases: CaseQueries, case_ref: str, moment: Moment) -> dict[FactorKey, list[Step]]:
    types = ", ".join(f"'{kind}'" for kind in KINDS)
    rows = cases.rows(f"case_ref = ? AND type IN ({types})", [case_ref], moment)
    histories: dict[FactorKey, list[Step]] = {}
    for row in sorted(rows, key=lambda r: r.order):
        data = row.data
        key = (data["code"], data["department"], data.get("subject") or "")
        why = data.get("rationale") or data.get("explanation") or ""
        histories.setdefault(key, []).append(Step(KINDS[row.type], row.actor or row.source, row.role,
                                                  rfc3339(row.occurred_at), why))
    return histories
