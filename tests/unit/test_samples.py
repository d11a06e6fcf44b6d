"""What the detectors find in each sample (``scenarios/README.md``), from its lines alone."""

from __future__ import annotations

from pathlib import Path

from casetrail.domain.config import Config
from casetrail.projections import overbooking, payment_failures, procedures, service_signals
from tests.unit.rows import Log, contact_rows_of, night_facts, payment_failures_of

SAMPLES = Path(__file__).resolve().parents[2] / "adapters" / "samples"
CONFIG = Config()


def sample(name: str) -> Log:
    log = Log()
    for line in (SAMPLES / name).read_bytes().splitlines():
        if line.strip():
            log.line(line)
    return log


def test_01_the_ota_that_acknowledged_the_stop_sell_and_not_front_office() -> None:
    log = sample("01-overbooking-after-stop-sell.jsonl")
    nights = sorted({(r.resource, r.night_from) for r in log.rows if r.type == "inventory.set"})
    found = {night: overbooking.detect(night_facts(log.rows, *night), CONFIG.windows) for night in nights}
    assert {night for night, finding in found.items() if finding} == {("seaside:standard", "2019-06-21")}
    finding = found[("seaside:standard", "2019-06-21")]
    assert finding is not None and (finding.category, finding.priority) == ("overbooking", "high")
    assert [(f.code, f.department, f.evidence) for f in finding.factors] == [
        ("stop_sell_not_honoured", "ota_partner", (("pms:seaside", "fo-311"), ("ota:booking.com", "bcom-ack-311"),
                                                   ("ota:booking.com", "bcom-8841")))]


def test_02_three_card_rejections_in_three_and_a_half_minutes() -> None:
    log = sample("02-proactive-payment-rescue.jsonl")
    [finding] = payment_failures.detect("krzysztof", payment_failures_of(log.rows, "krzysztof"), CONFIG.windows)
    third = next(r for r in log.rows if r.source_id == "pay-3")
    assert (finding.category, finding.opened_at) == ("payment", third.occurred_at)
    assert [(f.code, f.department, f.evidence) for f in finding.factors] == [
        ("repeated_payment_failure", "ecommerce", tuple(("web:checkout", f"pay-{n}") for n in (1, 2, 3)))]


def test_03_the_member_service_month_signals_nothing() -> None:
    log = sample("03-member-service-month.jsonl")
    parties = sorted({str(r.party_ref) for r in log.rows if r.type == "contact.started"})
    assert len(parties) == 31  # every member who called or wrote that month
    assert [p for p in parties if service_signals.detect(p, contact_rows_of(log.rows, p), CONFIG.windows)] == []
    assert not any(r.type == "payment.failed" for r in log.rows)


def test_04_twenty_contacts_make_one_service_complaint_with_all_four_signals() -> None:
    log = sample("04-twenty-contacts-nine-weeks.jsonl")
    finding = service_signals.detect("cust-3307", contact_rows_of(log.rows, "cust-3307"), CONFIG.windows)
    assert finding is not None and finding.category == "service_complaint"
    assert {f.code for f in finding.factors} == {"repeat_contact", "transfer_loop", "long_hold", "executive_escalation"}
    [repeat] = [f for f in finding.factors if f.code == "repeat_contact"]
    assert repeat.evidence == tuple(("phone:pbx", f"pbx-K-0{n}-s") for n in (1, 2, 3))
    assert len(finding.contact_refs) == 20


def test_05_the_read_back_that_never_happened() -> None:
    log = sample("05-booking-blamed-on-first-contact.jsonl")
    rows = [r for r in log.rows if r.booking_ref == "G-77"]
    case_ref = next(str(r.case_ref) for r in rows if r.type == "case.opened")
    latest = max([*rows, *(r for r in log.rows if r.case_ref == case_ref)], key=lambda r: r.order)
    trigger = next(r for r in rows if r.type == "booking.created")
    finding = procedures.detect("phone_booking", CONFIG.procedures["phone_booking"], trigger,
                                [r for r in rows if r.type == "procedure.step"], latest, case_ref)
    assert finding is not None and finding.case_ref == "ZD-9001"
    assert [(f.code, f.department, f.subject, f.evidence) for f in finding.factors] == [
        ("sop_step_missed", "reservations", "phone_booking/read_back", (("pms:harbour", "pms-g77"),))]
