"""Repeated payment failures: a party is failing to pay right now, so open a
case while the customer is still there."""

from __future__ import annotations

from casetrail.domain.config import Windows
from casetrail.projections.case_report import Row
from casetrail.projections.findings import FactorFinding, Finding, clock, key, minutes_between


def detect(party: str, failures: list[Row], windows: Windows) -> list[Finding]:
    """One finding for each run of ``payment_failures`` failures within the window."""
    failures = sorted(failures, key=lambda r: r.order)
    needed, window = windows.payment_failures, windows.payment_failure_window_minutes
    found, start = [], 0
    while start + needed <= len(failures):
        run = failures[start : start + needed]
        if minutes_between(run[0].occurred_at, run[-1].occurred_at) > window:
            start += 1
            continue
        last = run[-1]
        reasons = ", ".join(sorted({r.data["reason"] for r in run}))
        factor = FactorFinding(
            "repeated_payment_failure", last.department, last.occurred_at,
            f"{needed} payments by {party} failed within {minutes_between(run[0].occurred_at, last.occurred_at):.1f} "
            f"min, from {clock(run[0])} to {clock(last)} ({reasons})",
            tuple(key(r) for r in run))
        found.append(Finding(
            detector="payment_failures", incident=f"{party}/{run[0].source}#{run[0].source_id}",
            opened_at=last.occurred_at, factors=(factor,),
            category="payment", priority="high", summary=f"payments by {party} keep failing: {reasons}",
            party_refs=(party,), booking_refs=tuple(sorted({r.booking_ref for r in run if r.booking_ref})),
            evidence=tuple(key(r) for r in run),
        ))
        # The failures that opened this case belong to it; look for a new run after them.
        start += needed
    return found
