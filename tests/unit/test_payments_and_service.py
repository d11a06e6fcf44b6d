"""Repeated payment failures and the service signals, each at its edge and its near miss."""

from __future__ import annotations

from typing import Any

import pytest

from casetrail.domain.config import Windows
from casetrail.projections import payment_failures, service_signals
from casetrail.projections.findings import Finding
from tests.unit.rows import Log, at, contact_rows_of, payment_failures_of, utc

# --- repeated_payment_failure: 3 failures of one party within 15 minutes --------------------------------------


def failure(log: Log, n: int, clock: str, party: str = "g-1", source: str = "web:checkout",
            booking_ref: str | None = None) -> None:
    log.event("payment.failed", f"pay-{party}-{n}", at(clock), {
        "attempt_ref": f"A-{party}-{n}", "guest_ref": party, "reason": "card_declined",
        **({"booking_ref": booking_ref} if booking_ref else {})}, source=source)


def payment_findings(failures: list[tuple[Any, ...]], party: str = "g-1") -> tuple[Log, list[Finding]]:
    log = Log()
    for args in failures:
        failure(log, *args)
    return log, payment_failures.detect(party, payment_failures_of(log.rows, party), Windows())


def runs(findings: list[Finding]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(f.code, f.department, f.at, tuple(i for _, i in f.evidence)) for finding in findings
            for f in finding.factors]


PAYMENT_STORIES: dict[str, tuple[list[tuple[Any, ...]], list[tuple[str, str, str, tuple[str, ...]]]]] = {
    "the third exactly 15 minutes after the first": (
        [(1, "10:00"), (2, "10:07"), (3, "10:15:00")],
        [("repeated_payment_failure", "ecommerce", utc("10:15"), ("pay-g-1-1", "pay-g-1-2", "pay-g-1-3"))]),
    "the third 15 minutes and a second after the first": ([(1, "10:00"), (2, "10:07"), (3, "10:15:01")], []),
    "two failures only": ([(1, "10:00"), (2, "10:01")], []),
    "a run found after an early failure drops out of the window": (
        [(1, "10:00"), (2, "10:10"), (3, "10:16"), (4, "10:20")],
        [("repeated_payment_failure", "ecommerce", utc("10:20"), ("pay-g-1-2", "pay-g-1-3", "pay-g-1-4"))]),
    "six in a row are two runs": (
        [(n, f"10:0{n}") for n in range(1, 7)],
        [("repeated_payment_failure", "ecommerce", utc("10:03"), ("pay-g-1-1", "pay-g-1-2", "pay-g-1-3")),
         ("repeated_payment_failure", "ecommerce", utc("10:06"), ("pay-g-1-4", "pay-g-1-5", "pay-g-1-6"))]),
    "five in a row are one run and two left over": ([(n, f"10:0{n}") for n in range(1, 6)], [
        ("repeated_payment_failure", "ecommerce", utc("10:03"), ("pay-g-1-1", "pay-g-1-2", "pay-g-1-3"))]),
    "the department of the system that rejected the last": (
        [(1, "10:00"), (2, "10:01"), (3, "10:02", "g-1", "pms:seaside")],
        [("repeated_payment_failure", "front_office", utc("10:02"), ("pay-g-1-1", "pay-g-1-2", "pay-g-1-3"))]),
    "another party's failures do not count": ([(1, "10:00"), (2, "10:01"), (3, "10:02", "g-2")], []),
}


@pytest.mark.parametrize("story", PAYMENT_STORIES)
def test_repeated_payment_failure(story: str) -> None:
    failures, expected = PAYMENT_STORIES[story]
    assert runs(payment_findings(failures)[1]) == expected


def test_a_payment_case_names_the_party_and_the_bookings_and_arrival_order_does_not_matter() -> None:
    failures = [(1, "10:00", "g-1", "web:checkout", "B-1"), (2, "10:03"), (3, "10:05", "g-1", "web:checkout", "B-2")]
    _, [finding] = payment_findings(failures)
    assert (finding.detector, finding.category, finding.priority) == ("payment_failures", "payment", "high")
    assert finding.incident == "g-1/web:checkout#pay-g-1-1" and finding.case_ref.startswith("PAY-")
    assert (finding.opened_at, finding.party_refs, finding.booking_refs) == (utc("10:05"), ("g-1",), ("B-1", "B-2"))
    assert finding.evidence == tuple(("web:checkout", f"pay-g-1-{n}") for n in (1, 2, 3))
    assert finding.factors[0].explanation == ("3 payments by g-1 failed within 5.0 min, from 10:00 +07:00 to "
                                              "10:05 +07:00 (card_declined)")
    _, [again] = payment_findings(list(reversed(failures)))
    assert again == finding


# --- service signals: repeat_contact, transfer_loop, long_hold, executive_escalation --------------------------


def contact(log: Log, ref: str, day: str, clock: str = "09:00", outcome: str | None = "unresolved",
            party: str = "p-1", direction: str = "inbound", held: int = 0, transfers: tuple[str, ...] = (),
            level: str | None = None, department: str = "customer_service", ended_by: str | None = None) -> None:
    hour, minute0 = (int(part) for part in clock.split(":"))

    def event(kind: str, suffix: str, minute: int, data: dict[str, Any], by: str = department) -> None:
        minutes = hour * 60 + minute0 + minute
        log.event(kind, f"{ref}-{suffix}", at(f"{minutes // 60:02d}:{minutes % 60:02d}", day),
                  {"contact_ref": ref, **data}, source="phone:pbx", department=by)

    event("contact.started", "s", 0, {"party_ref": party, "medium": "phone", "direction": direction})
    if held:
        event("contact.held", "h", 1, {"seconds": held})
    for n, target in enumerate(transfers):
        event("contact.transferred", f"t{n}", 2 + n, {"to_department": target})
    if level:
        event("contact.escalated", "e", 20, {"level": level})
    if outcome:
        event("contact.ended", "x", 30, {"outcome": outcome}, by=ended_by or department)


def service(*contacts: dict[str, Any]) -> tuple[Log, Finding | None]:
    log = Log()
    for kwargs in contacts:
        contact(log, **kwargs)
    return log, service_signals.detect("p-1", contact_rows_of(log.rows, "p-1"), Windows())


def signals(finding: Finding | None) -> set[tuple[str, str, str, tuple[str, ...]]]:
    if finding is None:
        return set()
    assert {source for f in finding.factors for source, _ in f.evidence} == {"phone:pbx"}
    return {(f.code, f.department, f.at, tuple(i for _, i in f.evidence)) for f in finding.factors}


def c(ref: str, day: str, **kwargs: Any) -> dict[str, Any]:
    return {"ref": ref, "day": f"2024-06-{day}", **kwargs}


THREE_STARTS = ("C1-s", "C2-s", "C3-s")
SERVICE_STORIES: dict[str, tuple[list[dict[str, Any]], set[tuple[str, str, str, tuple[str, ...]]]]] = {
    # repeat_contact: three unresolved inbound contacts, the third within 14 days of the first.
    "the third exactly 14 days after the first": (
        [c("C1", "01"), c("C2", "08"), c("C3", "15")],
        {("repeat_contact", "customer_service", utc("09:00", "2024-06-15"), THREE_STARTS)}),
    "the third 14 days and a minute after the first": ([c("C1", "01"), c("C2", "08"), c("C3", "15", clock="09:01")],
                                                       set()),
    "one of the three resolved": ([c("C1", "01"), c("C2", "03", outcome="resolved"), c("C3", "05")], set()),
    "one of the three not ended yet": ([c("C1", "01"), c("C2", "03", outcome=None), c("C3", "05")], set()),
    "one of the three was our call": ([c("C1", "01"), c("C2", "03", direction="outbound"), c("C3", "05")], set()),
    "owned by the department that ended the last": (
        [c("C1", "01"), c("C2", "03"), c("C3", "05", ended_by="billing")],
        {("repeat_contact", "billing", utc("09:00", "2024-06-05"), THREE_STARTS)}),
    "four unresolved make one factor, of the first three": (
        [c("C1", "01"), c("C2", "02"), c("C3", "03"), c("C4", "04", ended_by="billing")],
        {("repeat_contact", "customer_service", utc("09:00", "2024-06-03"), THREE_STARTS)}),
    # transfer_loop: back to a department the contact had left; every department of the loop.
    "transferred back": (
        [c("C1", "01", outcome="resolved", transfers=("billing", "customer_service"))],
        {("transfer_loop", "customer_service", utc("09:03", "2024-06-01"), ("C1-t0", "C1-t1")),
         ("transfer_loop", "billing", utc("09:03", "2024-06-01"), ("C1-t0", "C1-t1"))}),
    "transferred on": ([c("C1", "01", outcome="resolved", transfers=("billing", "sales"))], set()),
    "a loop that leaves out where the contact began": (
        [c("C1", "01", outcome="resolved", transfers=("billing", "sales", "billing"))],
        {("transfer_loop", "billing", utc("09:04", "2024-06-01"), ("C1-t1", "C1-t2")),
         ("transfer_loop", "sales", utc("09:04", "2024-06-01"), ("C1-t1", "C1-t2"))}),
    # long_hold: over 10 minutes, by the holding department.
    "held ten minutes and a second": (
        [c("C1", "01", outcome="resolved", held=601, department="billing")],
        {("long_hold", "billing", utc("09:01", "2024-06-01"), ("C1-h",))}),
    "held exactly ten minutes": ([c("C1", "01", outcome="resolved", held=600)], set()),
    "two long holds by one department make one factor": (
        [c("C1", "01", outcome="resolved", held=700), c("C2", "02", outcome="resolved", held=900)],
        {("long_hold", "customer_service", utc("09:01", "2024-06-01"), ("C1-h",))}),
    # executive_escalation: customer_service's, whoever escalated.
    "escalated to executive": (
        [c("C1", "01", outcome="resolved", level="executive", department="billing")],
        {("executive_escalation", "customer_service", utc("09:20", "2024-06-01"), ("C1-e",))}),
    "escalated to a manager": ([c("C1", "01", outcome="resolved", level="manager")], set()),
}


@pytest.mark.parametrize("story", SERVICE_STORIES)
def test_service_signals(story: str) -> None:
    contacts, expected = SERVICE_STORIES[story]
    assert signals(service(*contacts)[1]) == expected


def test_a_service_case_opens_at_its_first_signal_and_names_the_party_and_contacts() -> None:
    _, finding = service(c("C1", "01", outcome="resolved", level="executive"), c("C2", "02", outcome="resolved",
                                                                              held=601))
    assert finding is not None
    assert (finding.detector, finding.category, finding.priority) == ("service_signals", "service_complaint", "normal")
    assert (finding.incident, finding.opened_at) == ("p-1", utc("09:20", "2024-06-01"))
    assert (finding.party_refs, finding.contact_refs) == (("p-1",), ("C1", "C2"))
    assert finding.case_ref.startswith("SVC-")
    assert [f.explanation for f in finding.factors] == [
        "contact C2 was held 10 min 01 s by customer_service at 2024-06-02 09:01 +07:00, over the 10-minute limit",
        "contact C1 reached executive level at 2024-06-01 09:20 +07:00: the normal channels had failed",
    ]


def test_the_limits_come_from_configuration() -> None:
    log = Log()
    contact(log, "C1", "2024-06-01", outcome="resolved", held=400)
    for day in ("02", "06"):
        contact(log, f"R{day}", f"2024-06-{day}")
    rows = contact_rows_of(log.rows, "p-1")
    assert service_signals.detect("p-1", rows, Windows()) is None
    finding = service_signals.detect("p-1", rows, Windows(long_hold_minutes=6, repeat_contacts=2,
                                                          repeat_contact_window_days=3))
    assert signals(finding) == {("long_hold", "customer_service", utc("09:01", "2024-06-01"), ("C1-h",))}
    finding = service_signals.detect("p-1", rows, Windows(repeat_contacts=2, repeat_contact_window_days=4))
    assert signals(finding) == {("repeat_contact", "customer_service", utc("09:00", "2024-06-06"), ("R02-s", "R06-s"))}
