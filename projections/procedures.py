"""Standard operating procedures: after a trigger, each configured step must
be recorded within its time limit. A step missed or late becomes
``sop_step_missed`` on the case of the booking, naming the procedure and step."""

from __future__ import annotations

from datetime import timedelta

from casetrail.domain.config import Procedure
from casetrail.projections.case_report import Row
from casetrail.projections.findings import FactorFinding, Finding, clock, key
from casetrail.projections.recorded import instant_of, moment_of


def detect(name: str, procedure: Procedure, trigger: Row, steps: list[Row], latest: Row,
           case_ref: str) -> Finding | None:
    """``steps``: procedure.step rows of the trigger's subject; ``latest``: the
    latest event the log knows of for the subject or its case, which tells
    whether a deadline has passed without depending on when the detector runs."""
    if trigger.type != procedure.trigger or any(trigger.data.get(k) != v for k, v in procedure.when.items()):
        return None
    subject = f"booking {trigger.booking_ref}" if trigger.booking_ref else f"contact {trigger.contact_ref}"
    factors = []
    for step in procedure.steps:
        due = instant_of(moment_of(trigger.occurred_at) + timedelta(minutes=step.within_minutes))
        done = sorted((r for r in steps if r.data["procedure"] == name and r.data["step"] == step.step),
                      key=lambda r: r.order)
        if done and done[0].occurred_at <= due:
            continue
        if done:
            late = done[0]
            factors.append(FactorFinding(
                "sop_step_missed", step.department, late.occurred_at,
                f"{name} step {step.step} for {subject} was due within {step.within_minutes} min of "
                f"{clock(trigger)} and was recorded late, at {clock(late)}", (key(trigger), key(late)),
                f"{name}/{step.step}"))
        elif latest.occurred_at > due:
            factors.append(FactorFinding(
                "sop_step_missed", step.department, due,
                f"{name} step {step.step} for {subject} was due within {step.within_minutes} min of "
                f"{clock(trigger)} and was never recorded", (key(trigger),), f"{name}/{step.step}"))
    if not factors:
        return None
    return Finding(detector="procedures", incident=f"{name}/{trigger.source}#{trigger.source_id}",
                   opened_at=min(f.at for f in factors), factors=tuple(factors), existing_case_ref=case_ref)
