"""What the detectors find in each sample, and where each factor stops applying."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.traffic import generate_events
from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.settings import Settings
from casetrail.services import detection
from casetrail.services.case_queries import Moment
from casetrail.services.personal_data import SEALED
from tests.conftest import all_scenario_lines, lines_of, load


def factors(system: System, category: str | None = None) -> set[tuple[str, str]]:
    found = set()
    for case in system.cases.list_cases(category=category):
        found |= {(f["code"], f["department"]) for f in system.cases.case_report(case["case_ref"])["factors"]}
    return found


def detected(system: System) -> list[dict[str, Any]]:
    return [system.cases.case_report(c["case_ref"]) for c in system.cases.list_cases()
            if c["case_ref"][:3] in ("OVB", "PAY", "SVC")]


# --- the five samples -------------------------------------------------------------------------------------

def test_overbooking_after_a_stop_sell_blames_the_ota_that_acknowledged_it_and_not_front_office(
        system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl"))
    [case] = detected(system)
    assert (case["category"], case["priority"], case["opened_by"]) == ("overbooking", "high", "detector:overbooking")
    assert case["opened_at"] == "2019-06-21T04:24:00Z" and case["proactive"] is True
    [factor] = case["factors"]
    assert (factor["code"], factor["department"], factor["status"]) == ("stop_sell_not_honoured", "ota_partner",
                                                                        "proposed")
    assert {e["id"] for e in factor["evidence"]} == {"fo-311", "bcom-ack-311", "bcom-8841"}
    assert factor["explanation"] == ("ota:booking.com accepted booking B-8841 50 min after acknowledging "
                                     "the stop-sell of 10:31 +07:00")
    assert not [f for f in case["factors"] if f["department"] == "front_office"]
    timeline = {e["id"] for e in case["timeline"]}
    assert {"inv-0621", "tvl-5521", "res-103", "fo-104", "bcom-8841", "fo-311", "tvl-ack-311", "bcom-ack-311",
            "mail-77", "fo-reloc-8841"} <= timeline


def test_the_overbooking_replayed_as_it_stood_and_as_it_was_known(system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl"))
    [case] = detected(system)
    local = "2019-06-21T{}+07:00".format

    stood = system.cases.case_report(case["case_ref"], Moment(as_of=datetime.fromisoformat(local("10:33:30"))))
    ids = {e["id"] for e in stood["timeline"]}
    assert {"fo-311", "tvl-ack-311"} <= ids
    assert "bcom-ack-311" not in ids and "bcom-8841" not in ids
    assert stood["status"] == "not_opened" and stood["factors"] == []

    known = system.cases.case_report(case["case_ref"], Moment(known_at=datetime.fromisoformat(local("11:24:30"))))
    ids = {e["id"] for e in known["timeline"]}
    assert "bcom-ack-311" in ids and "bcom-8841" not in ids  # it occurred at 11:24 but was reported at 11:25


def test_three_card_rejections_open_a_proactive_payment_case_at_the_third(system: System) -> None:
    load(system, lines_of("02-proactive-payment-rescue.jsonl"))
    [case] = detected(system)
    assert case["category"] == "payment" and case["proactive"] is True
    assert case["opened_at"] == "2021-12-06T04:04:40Z"  # pay-3, 20:04:40 at -08:00
    [factor] = case["factors"]
    assert (factor["code"], factor["department"]) == ("repeated_payment_failure", "ecommerce")
    assert [e["id"] for e in factor["evidence"]] == ["pay-1", "pay-2", "pay-3"]
    assert {"call-1", "web-bk-1"} <= {e["id"] for e in case["timeline"]}


def test_the_member_service_month_opens_no_case_of_its_own(system: System) -> None:
    load(system, lines_of("03-member-service-month.jsonl"))
    assert detected(system) == []
    assert factors(system) == set()


def test_twenty_contacts_in_nine_weeks_make_one_service_complaint(system: System) -> None:
    load(system, lines_of("04-twenty-contacts-nine-weeks.jsonl"))
    [case] = detected(system)
    assert case["category"] == "service_complaint" and case["subjects"]["party_refs"] == ["cust-3307"]
    assert {f["code"] for f in case["factors"]} == {"repeat_contact", "transfer_loop", "long_hold",
                                                    "executive_escalation"}
    assert ("executive_escalation", "customer_service") in {(f["code"], f["department"]) for f in case["factors"]}
    effort = case["effort"]
    assert (effort["contacts"], effort["highest_escalation"], effort["hold_seconds"]) == (20, "executive", 4260)
    assert effort["transfers"] == 10 and effort["first_contact_resolution"] is False


def test_the_booking_blamed_on_first_contact_names_sales_and_the_skipped_read_back(system: System) -> None:
    load(system, lines_of("05-booking-blamed-on-first-contact.jsonl"))
    assert detected(system) == []
    case = system.cases.case_report("ZD-9001")
    by_code = {f["code"]: f for f in case["factors"]}
    assert set(by_code) == {"rate_miscommunicated", "sop_step_missed"}
    assert by_code["rate_miscommunicated"]["department"] == "sales"
    missed = by_code["sop_step_missed"]
    assert (missed["department"], missed["status"], missed["proposed_by"]) == (
        "reservations", "proposed", "detector:procedures")
    assert "phone_booking step read_back" in missed["explanation"]


# --- each factor where it applies, and just where it stops applying ----------------------------------------

def event(kind: str, event_id: str, clock: str, data: dict[str, Any], source: str = "pms:seaside",
          day: str = "2024-06-21") -> bytes:
    return json.dumps({"specversion": "1.0", "id": event_id, "source": source, "type": kind,
                       "time": f"{day}T{clock}:00+07:00", "data": data}).encode()


def booking(ref: str, clock: str, channel: str = "walk_in", units: int = 1) -> bytes:
    source = channel if channel.startswith("ota:") else "pms:seaside"
    return event("booking.created", f"bk-{ref}", clock, {
        "booking_ref": ref, "resource": "seaside:standard", "date": "2024-06-22", "units": units,
        "channel": channel, "guest_ref": f"g-{ref}"}, source=source)


SOLD_OUT_AT_10 = [
    event("inventory.set", "inv-1", "08:00", {"resource": "seaside:standard", "date": "2024-06-22", "available": 2}),
    booking("A", "09:00"),
    booking("B", "10:00"),  # the last unit
]


def stop_sell(clock: str) -> bytes:
    return event("inventory.closed", "ss-1", clock, {"resource": "seaside:standard", "from": "2024-06-22",
                                                     "to": "2024-06-22", "channels": ["*"]})


def ack(clock: str, channel: str = "ota:agoda") -> bytes:
    return event("inventory.acknowledged", f"ack-{channel}", clock, {"update_id": "ss-1", "channel": channel},
                 source=channel)


OVERBOOKING_CASES = {
    "honoured": ([stop_sell("10:05"), ack("10:06"), booking("C", "10:30", "ota:agoda")],
                 {("stop_sell_not_honoured", "ota_partner")}),
    "acknowledged only after the sale": ([stop_sell("10:05"), booking("C", "10:30", "ota:agoda"), ack("10:40")],
                                         {("stop_sell_unacknowledged", "ota_partner")}),
    "never acknowledged, just outside the sync window": ([stop_sell("10:05"), booking("C", "10:11", "ota:agoda")],
                                                          {("stop_sell_unacknowledged", "ota_partner")}),
    "within the sync window": ([stop_sell("10:05"), booking("C", "10:09", "ota:agoda")],
                               {("stop_sell_within_sync_window", "none")}),
    "stop-sell late after the sell-out": ([booking("C", "10:08", "ota:agoda"), stop_sell("10:15")],
                                          {("late_stop_sell", "front_office")}),
    "stop-sell within the allowed delay": ([booking("C", "10:04", "ota:agoda"), stop_sell("10:09")],
                                           {("sold_beyond_capacity", "ota_partner")}),
    "no stop-sell at all": ([booking("C", "10:30", "ota:agoda")], {("sold_beyond_capacity", "ota_partner")}),
}


@pytest.mark.parametrize("story", OVERBOOKING_CASES)
def test_overbooking_factor_per_channel(system: System, story: str) -> None:
    lines, expected = OVERBOOKING_CASES[story]
    load(system, SOLD_OUT_AT_10 + lines)
    assert factors(system, "overbooking") == expected


def test_a_sale_up_to_the_last_unit_opens_no_case(system: System) -> None:
    load(system, SOLD_OUT_AT_10 + [booking("C", "10:30", "ota:agoda"),
                                   event("booking.cancelled", "x-A", "10:20", {"booking_ref": "A"})])
    assert detected(system) == []


def failure(n: int, clock: str, guest: str = "g-1") -> bytes:
    return event("payment.failed", f"pay-{guest}-{n}", clock, {"attempt_ref": f"A-{guest}-{n}", "guest_ref": guest,
                                                               "reason": "card_declined"}, source="web:checkout")


def test_three_failures_within_fifteen_minutes_but_not_sixteen_nor_across_parties(system: System) -> None:
    load(system, [failure(1, "10:00"), failure(2, "10:07"), failure(3, "10:15"),  # within 15 min: a case
                  failure(1, "11:00", "g-2"), failure(2, "11:08", "g-2"), failure(3, "11:16", "g-2"),  # 16 min
                  failure(1, "12:00", "g-3"), failure(1, "12:01", "g-4"), failure(2, "12:02", "g-4")])
    [case] = detected(system)
    assert case["subjects"]["party_refs"] == ["g-1"]


def contact(ref: str, day: str, outcome: str = "unresolved", party: str = "p-1", held: int = 0,
            transfers: list[str] | None = None, level: str | None = None) -> list[bytes]:
    lines = [event("contact.started", f"{ref}-s", "09:00", {"contact_ref": ref, "party_ref": party, "medium": "phone",
                                                             "direction": "inbound"}, "phone:pbx", day)]
    if held:
        lines.append(event("contact.held", f"{ref}-h", "09:01", {"contact_ref": ref, "seconds": held}, "phone:pbx", day))
    for n, department in enumerate(transfers or []):
        lines.append(event("contact.transferred", f"{ref}-t{n}", f"09:0{n + 2}",
                           {"contact_ref": ref, "to_department": department}, "phone:pbx", day))
    if level:
        lines.append(event("contact.escalated", f"{ref}-e", "09:08", {"contact_ref": ref, "level": level},
                           "phone:pbx", day))
    lines.append(event("contact.ended", f"{ref}-x", "09:09", {"contact_ref": ref, "outcome": outcome}, "phone:pbx", day))
    return lines


SERVICE_CASES = {
    "three unresolved contacts in 14 days": (
        contact("C1", "2024-06-01") + contact("C2", "2024-06-08") + contact("C3", "2024-06-15"),
        {("repeat_contact", "customer_service")}),
    "three over 15 days": (contact("C1", "2024-06-01") + contact("C2", "2024-06-08") + contact("C3", "2024-06-16"),
                           set()),
    "resolved in between": (contact("C1", "2024-06-01") + contact("C2", "2024-06-03", "resolved")
                            + contact("C3", "2024-06-05"), set()),
    "transferred back": (contact("C1", "2024-06-01", "resolved", transfers=["billing", "customer_service"]),
                         {("transfer_loop", "customer_service"), ("transfer_loop", "billing")}),
    "transferred on": (contact("C1", "2024-06-01", "resolved", transfers=["billing", "sales"]), set()),
    "held over ten minutes": (contact("C1", "2024-06-01", "resolved", held=601), {("long_hold", "customer_service")}),
    "held ten minutes": (contact("C1", "2024-06-01", "resolved", held=600), set()),
    "escalated to executive": (contact("C1", "2024-06-01", "resolved", level="executive"),
                               {("executive_escalation", "customer_service")}),
    "escalated to a manager": (contact("C1", "2024-06-01", "resolved", level="manager"), set()),
}


@pytest.mark.parametrize("story", SERVICE_CASES)
def test_service_signals(system: System, story: str) -> None:
    lines, expected = SERVICE_CASES[story]
    load(system, lines)
    assert factors(system) == expected


def phone_booking_with_case(read_back_at: str | None) -> list[bytes]:
    lines = [event("booking.created", "pb-1", "10:00", {"booking_ref": "G-1", "resource": "harbour:deluxe",
                                                         "date": "2024-07-01", "channel": "phone", "guest_ref": "g"}),
             event("procedure.step", "pb-1-c", "10:30", {"procedure": "phone_booking", "step": "confirmation_sent",
                                                         "booking_ref": "G-1"}),
             event("case.opened", "zd-1", "12:00", {"case_ref": "ZD-1", "category": "booking_error", "summary": "s",
                                                    "booking_ref": "G-1"}, source="helpdesk:zendesk")]
    if read_back_at:
        lines.append(event("procedure.step", "pb-1-r", read_back_at, {"procedure": "phone_booking",
                                                                      "step": "read_back", "booking_ref": "G-1"}))
    return lines


@pytest.mark.parametrize(("read_back_at", "expected"), [(None, {("sop_step_missed", "reservations")}),
                                                        ("10:11", {("sop_step_missed", "reservations")}),
                                                        ("10:09", set())])
def test_a_procedure_step_missed_or_late_but_not_in_time(system: System, read_back_at: str | None,
                                                         expected: set[tuple[str, str]]) -> None:
    load(system, phone_booking_with_case(read_back_at))
    assert factors(system) == expected


def test_a_booking_moved_off_the_night_frees_its_unit(system: System) -> None:
    moved = event("booking.modified", "m-A", "10:20", {"booking_ref": "A", "changes": {"date": "2024-06-25"}})
    load(system, SOLD_OUT_AT_10 + [moved, booking("C", "10:30", "ota:agoda")])
    assert detected(system) == []


def test_a_booking_moved_onto_a_full_night_oversells_it(system: System) -> None:
    elsewhere = event("booking.created", "bk-D", "09:30", {
        "booking_ref": "D", "resource": "seaside:standard", "date": "2024-06-28", "channel": "ota:agoda",
        "guest_ref": "g-D"}, source="ota:agoda")
    moved = event("booking.modified", "m-D", "10:30", {"booking_ref": "D", "changes": {"date": "2024-06-22"}},
                  source="ota:agoda")
    load(system, SOLD_OUT_AT_10 + [elsewhere, moved])
    assert factors(system, "overbooking") == {("sold_beyond_capacity", "ota_partner")}


def test_a_stop_sell_factor_names_the_selling_channel_even_when_another_system_reports_the_booking(
        system: System) -> None:
    via_channel_manager = event("booking.created", "cm-C", "10:30", {
        "booking_ref": "C", "resource": "seaside:standard", "date": "2024-06-22", "channel": "ota:agoda",
        "guest_ref": "g-C"}, source="channel-manager:siteminder")
    load(system, SOLD_OUT_AT_10 + [stop_sell("10:05"), ack("10:06"), via_channel_manager])
    assert factors(system, "overbooking") == {("stop_sell_not_honoured", "ota_partner")}


def test_each_booking_sold_over_the_stop_sell_gets_its_own_factor(system: System) -> None:
    load(system, SOLD_OUT_AT_10 + [stop_sell("10:05"), ack("10:06"), booking("C", "10:30", "ota:agoda"),
                                   booking("D", "10:40", "ota:agoda")])
    [case] = detected(system)
    assert sorted(f["subject"] for f in case["factors"]) == ["C", "D"]


def test_an_earlier_failure_arriving_late_joins_the_case_already_open(system: System) -> None:
    load(system, [failure(2, "10:03"), failure(3, "10:06"), failure(4, "10:09")])
    load(system, [failure(1, "10:00")])
    [case] = detected(system)
    assert [f["code"] for f in case["factors"]] == ["repeated_payment_failure"]


def test_service_signals_go_on_the_helpdesk_case_open_at_the_time(system: System) -> None:
    helpdesk_case = event("case.opened", "zd-p1", "08:00", {"case_ref": "ZD-P1", "category": "other",
                                                             "summary": "s", "party_ref": "p-1"},
                          source="helpdesk:zendesk", day="2024-06-01")
    load(system, [helpdesk_case, *contact("C1", "2024-06-01", "resolved", held=700)])
    assert detected(system) == []
    assert {f["code"] for f in system.cases.case_report("ZD-P1")["factors"]} == {"long_hold"}


# --- how much is read at once ---------------------------------------------------------------------------

def test_runs_are_read_in_groups_of_bounded_nights_in_their_order() -> None:
    runs = [("seaside:standard", [f"2019-06-{d:02d}" for d in range(1, 8)]), ("seaside:suite", ["2019-06-03"])]
    groups = list(detection._groups(runs))
    assert all(sum(len(nights) for _, nights in group) <= detection.NIGHTS_AT_ONCE for group in groups)
    assert groups == [runs]  # small runs: one query
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detection, "NIGHTS_AT_ONCE", 3)
        cut = list(detection._groups(runs))
    assert [[(r, len(n)) for r, n in group] for group in cut] == [
        [("seaside:standard", 3)], [("seaside:standard", 3)], [("seaside:standard", 1), ("seaside:suite", 1)]]
    assert [night for group in cut for _, nights in group for night in nights] == [
        night for _, nights in runs for night in nights]


def test_a_runs_nights_are_read_in_pieces_of_bounded_bookings_in_their_order() -> None:
    nights = [detection._Night("seaside:standard", f"2019-06-0{d}", bookings, [])
              for d, bookings in enumerate([{"a", "b"}, {"b", "c"}, {"c", "d", "e"}, set(), {"e"}], start=1)]
    assert list(detection._by_bookings(nights)) == [nights]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detection, "BOOKINGS_AT_ONCE", 3)
        cut = list(detection._by_bookings(nights))
    # b and c cross a cut and are read twice; a night never is cut, even one over the bound
    assert [[n.night[-1] for n in piece] for piece in cut] == [["1", "2"], ["3", "4", "5"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detection, "BOOKINGS_AT_ONCE", 1)
        assert [len(piece) for piece in detection._by_bookings(nights)] == [1, 1, 3]


@pytest.mark.parametrize(("limit", "at_once"), [("NIGHTS_AT_ONCE", 1), ("NIGHTS_AT_ONCE", 2), ("BOOKINGS_AT_ONCE", 1)])
def test_what_is_read_at_once_changes_nothing_the_detectors_find(system: System, limit: str, at_once: int) -> None:
    load(system, all_scenario_lines())
    detectors = system.detectors
    scope = detection.Scope()
    detection._widen(scope, system.view_store.query(f"SELECT {detection.SCOPE_COLUMNS} FROM timeline_entries"))
    runs = detection._resource_runs(scope.nights | detectors._nights_of(scope))
    whole = [f for found in detection.overbookings(detectors.cases, detectors.config, runs) for f in found]
    assert whole, "the samples hold an overbooked night"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detection, limit, at_once)
        cut = [f for found in detection.overbookings(detectors.cases, detectors.config, runs) for f in found]
    assert cut == whole


def _case_events(system: System) -> dict[str, list[tuple[str, str]]]:
    """Each case's stored events in order, without the times of recording and the sealed texts (each
    sealing draws a new nonce)."""
    def timeless(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: timeless(v) for k, v in value.items() if k not in ("timestamp", "received_at", "reported_at")}
        if isinstance(value, str) and value.startswith(SEALED):
            return SEALED
        return [timeless(v) for v in value] if isinstance(value, list) else value

    found: dict[str, list[tuple[str, str]]] = {}
    for n in system.ingestion.recorder.select_notifications(start=1, limit=10**6):
        if n.topic.startswith("casetrail.domain.case:"):
            found.setdefault(str(n.originator_id), []).append(
                (n.topic, json.dumps(timeless(json.loads(n.state)), sort_keys=True)))
    return found


def test_overbookings_recorded_in_small_pieces_give_every_case_the_same_events(
        system: System, tmp_path: Path) -> None:
    lines = generate_events(8000)
    load(system, lines)
    with pytest.MonkeyPatch.context() as patch:
        # Two nights a group, and a group's bookings two at a time: most groups are cut between their nights
        patch.setattr(detection, "NIGHTS_AT_ONCE", 2)
        patch.setattr(detection, "BOOKINGS_AT_ONCE", 2)
        in_pieces = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/nights.db"))
        try:
            load(in_pieces, lines)
            sliced = _case_events(in_pieces)
        finally:
            in_pieces.close()
    whole = _case_events(system)
    assert sum(1 for c in system.cases.list_cases() if c["category"] == "overbooking") > 5
    assert sliced == whole
