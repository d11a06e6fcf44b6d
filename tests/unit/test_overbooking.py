"""The overbooking detector, story by story: each factor code at its edge, and the near miss
one second or one channel away where that factor is not proposed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casetrail.domain.config import Departments, Windows
from casetrail.projections import overbooking
from casetrail.projections.findings import Finding
from tests.unit.rows import Log, at, night_facts, utc

RESOURCE, NIGHT = "seaside:standard", "2024-06-22"
Step = Callable[[Log], Any]


def available(units: int, clock: str = "08:00", event_id: str = "inv-1", **envelope: Any) -> Step:
    return lambda log: log.event("inventory.set", event_id, at(clock),
                                 {"resource": RESOURCE, "date": NIGHT, "available": units}, **envelope)


def booking(ref: str, clock: str, channel: str = "walk_in", units: int = 1, night: str = NIGHT, nights: int = 1
            ) -> Step:
    source = channel if ":" in channel else "pms:seaside"
    return lambda log: log.event("booking.created", f"bk-{ref}", at(clock), {
        "booking_ref": ref, "resource": RESOURCE, "date": night, "nights": nights, "units": units,
        "channel": channel, "guest_ref": f"g-{ref}"}, source=source)


def moved(ref: str, clock: str, night: str) -> Step:
    return lambda log: log.event("booking.modified", f"mv-{ref}", at(clock),
                                 {"booking_ref": ref, "changes": {"date": night}})


def grown(ref: str, clock: str, units: int) -> Step:
    return lambda log: log.event("booking.modified", f"up-{ref}", at(clock),
                                 {"booking_ref": ref, "changes": {"units": units}})


def cancelled(ref: str, clock: str) -> Step:
    return lambda log: log.event("booking.cancelled", f"x-{ref}", at(clock), {"booking_ref": ref})


def stop_sell(clock: str, channels: tuple[str, ...] = ("*",), event_id: str = "ss-1", first: str = NIGHT,
              last: str = NIGHT) -> Step:
    return lambda log: log.event("inventory.closed", event_id, at(clock), {
        "resource": RESOURCE, "from": first, "to": last, "channels": list(channels)})


def reopened(clock: str, channels: tuple[str, ...] = ("*",)) -> Step:
    return lambda log: log.event("inventory.opened", "open-1", at(clock), {
        "resource": RESOURCE, "from": NIGHT, "to": NIGHT, "channels": list(channels)})


def ack(clock: str, channel: str = "ota:agoda", update_id: str = "ss-1") -> Step:
    return lambda log: log.event("inventory.acknowledged", f"ack-{channel}", at(clock),
                                 {"update_id": update_id, "channel": channel}, source=channel)


# Two rooms; a walk-in at 09:00 and another at 10:00 sell the last one: sold out at 10:00.
SOLD_OUT_AT_10 = [available(2), booking("A", "09:00"), booking("B", "10:00")]
AGODA = "ota:agoda"


def found(steps: list[Step], windows: Windows = Windows()) -> tuple[Log, Finding | None]:
    log = Log()
    for step in steps:
        step(log)
    return log, overbooking.detect(night_facts(log.rows, RESOURCE, NIGHT), windows)


def factors(log: Log, finding: Finding | None) -> set[tuple[str, str, str, tuple[tuple[str, str], ...], str]]:
    """Each factor as (code, department, when, evidence, subject); every id in a story is unique."""
    if finding is None:
        return set()
    return {(f.code, f.department, f.at, f.evidence, f.subject) for f in finding.factors}


def factor(log: Log, code: str, department: str, clock: str, evidence: list[str], subject: str = "C"
           ) -> tuple[str, str, str, tuple[tuple[str, str], ...], str]:
    keys = {r.source_id: (r.source, r.source_id) for r in log.rows}
    return (code, department, utc(clock), tuple(keys[e] for e in evidence), subject)


# story: (what happens after the sell-out, the factor expected as (code, department, when, evidence[, subject]))
STORIES: dict[str, tuple[list[Step], tuple[Any, ...] | None]] = {
    # stop_sell_not_honoured: the channel had acknowledged the stop-sell by the time it sold.
    "acknowledged, then sold": (
        [stop_sell("10:05"), ack("10:06"), booking("C", "10:30", AGODA)],
        ("stop_sell_not_honoured", "ota_partner", "10:30", ["ss-1", "ack-ota:agoda", "bk-C"])),
    "acknowledged the very second it sold": (
        [stop_sell("10:05"), ack("10:30:00"), booking("C", "10:30:00", AGODA)],
        ("stop_sell_not_honoured", "ota_partner", "10:30", ["ss-1", "ack-ota:agoda", "bk-C"])),
    # near miss: acknowledged one second after the sale, beyond the sync window: not honoured is not said.
    "acknowledged one second after it sold": (
        [stop_sell("10:05"), booking("C", "10:30:00", AGODA), ack("10:30:01")],
        ("stop_sell_unacknowledged", "ota_partner", "10:30", ["ss-1", "bk-C", "ack-ota:agoda"])),
    # near miss: another channel acknowledged; the one that sold never did.
    "another channel acknowledged": (
        [stop_sell("10:05"), ack("10:06", "ota:booking.com"), booking("C", "10:30", AGODA)],
        ("stop_sell_unacknowledged", "ota_partner", "10:30", ["ss-1", "bk-C"])),
    # stop_sell_unacknowledged and stop_sell_within_sync_window: the 5-minute sync window's edge.
    "sold one second past the sync window, never acknowledged": (
        [stop_sell("10:05"), booking("C", "10:10:01", AGODA)],
        ("stop_sell_unacknowledged", "ota_partner", "10:10:01", ["ss-1", "bk-C"])),
    "sold exactly at the end of the sync window": (
        [stop_sell("10:05"), booking("C", "10:10:00", AGODA)],
        ("stop_sell_within_sync_window", "none", "10:10", ["ss-1", "bk-C"])),
    "sold the second the stop-sell was sent": (
        [stop_sell("10:05"), booking("C", "10:05", AGODA)],
        ("stop_sell_within_sync_window", "none", "10:05", ["ss-1", "bk-C"])),
    # near miss: a stop-sell for other channels is not in force for this one.
    "a stop-sell for another channel": (
        [stop_sell("10:05", ("ota:booking.com",)), booking("C", "10:30", AGODA)],
        ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "bk-C"])),
    "a stop-sell over several nights, this one among them": (
        [stop_sell("10:05", first="2024-06-21", last="2024-06-24"), booking("C", "10:30", AGODA)],
        ("stop_sell_unacknowledged", "ota_partner", "10:30", ["ss-1", "bk-C"])),
    "a stop-sell of the nights before and after only": (
        [stop_sell("10:05", first="2024-06-20", last="2024-06-21"), stop_sell("10:06", event_id="ss-2",
                                                                              first="2024-06-23", last="2024-06-24"),
         booking("C", "10:30", AGODA)],
        ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "bk-C"])),
    "a stop-sell naming the channel": (
        [stop_sell("10:05", ("ota:booking.com", AGODA)), booking("C", "10:30", AGODA)],
        ("stop_sell_unacknowledged", "ota_partner", "10:30", ["ss-1", "bk-C"])),
    # near miss: the stop-sell was lifted by the time of the sale (at the same second counts as lifted).
    "the stop-sell lifted before the sale": (
        [stop_sell("10:05"), reopened("10:30:00"), booking("C", "10:30:00", AGODA)],
        ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "bk-C"])),
    "the stop-sell lifted one second after the sale": (
        [stop_sell("10:05"), booking("C", "10:30:00", AGODA), reopened("10:30:01")],
        ("stop_sell_unacknowledged", "ota_partner", "10:30", ["ss-1", "bk-C"])),
    # late_stop_sell: the stop-sell came more than the allowed 10 minutes after the 10:00 sell-out,
    # and a channel sold in between; owned by whoever owns the inventory.
    "stop-sell ten minutes and a second after the sell-out": (
        [booking("C", "10:08", AGODA), stop_sell("10:10:01")],
        ("late_stop_sell", "front_office", "10:10:01", ["bk-B", "bk-C", "ss-1"])),
    # near miss: exactly the allowed delay.
    "stop-sell exactly ten minutes after the sell-out": (
        [booking("C", "10:08", AGODA), stop_sell("10:10:00")],
        ("sold_beyond_capacity", "ota_partner", "10:08", ["inv-1", "bk-C"])),
    # sold_beyond_capacity: no stop-sell involved; the department of the booking that went over.
    "no stop-sell, an OTA sells": (
        [booking("C", "10:30", AGODA)], ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "bk-C"])),
    "no stop-sell, a walk-in sells": (
        [booking("C", "10:30")], ("sold_beyond_capacity", "front_office", "10:30", ["inv-1", "bk-C"])),
    "a stay from the night before through this one": (
        [booking("C", "10:30", AGODA, night="2024-06-21", nights=2)],
        ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "bk-C"])),
    "a booking moved onto the full night": (
        [booking("C", "09:30", AGODA, night="2024-06-23"), moved("C", "10:30", NIGHT)],
        ("sold_beyond_capacity", "ota_partner", "10:30", ["inv-1", "mv-C"])),
    "a booking on the full night grows by a unit": (
        [grown("A", "10:30", 2)], ("sold_beyond_capacity", "front_office", "10:30", ["inv-1", "up-A"], "A")),
    # near misses: nothing goes over.
    "a booking grows by a unit once another was cancelled": ([cancelled("B", "10:20"), grown("A", "10:30", 2)], None),
    "a unit freed before the sale": ([cancelled("A", "10:20"), booking("C", "10:30", AGODA)], None),
    "a booking moved off the night before the sale": (
        [moved("A", "10:20", "2024-06-23"), booking("C", "10:30", AGODA)], None),
    "a booking moved to the previous night before the sale": (
        [moved("A", "10:20", "2024-06-21"), booking("C", "10:30", AGODA)], None),
    "more rooms made available": ([available(3, "10:20", "inv-2"), booking("C", "10:30", AGODA)], None),
    "a stay that leaves the morning of this night": (
        [booking("C", "10:30", AGODA, night="2024-06-20", nights=2)], None),
    "the sale is for the next night": ([booking("C", "10:30", AGODA, night="2024-06-23")], None),
    "up to the last unit only": ([], None),
}


@pytest.mark.parametrize("story", STORIES)
def test_each_factor_at_its_edge_and_its_near_miss(story: str) -> None:
    steps, expected = STORIES[story]
    log, finding = found(SOLD_OUT_AT_10 + steps)
    assert factors(log, finding) == ({factor(log, *expected)} if expected else set())


def test_late_stop_sell_names_the_department_that_owns_the_inventory() -> None:
    log, finding = found([available(2, department="revenue"), booking("A", "09:00"), booking("B", "10:00"),
                          booking("C", "10:08", AGODA), stop_sell("10:30")])
    assert factors(log, finding) == {factor(log, "late_stop_sell", "revenue", "10:30", ["bk-B", "bk-C", "ss-1"])}


def test_the_windows_come_from_configuration() -> None:
    steps = SOLD_OUT_AT_10 + [stop_sell("10:05"), booking("C", "10:12", AGODA)]
    log, finding = found(steps, Windows(sync_window_minutes=7))
    assert factors(log, finding) == {factor(log, "stop_sell_within_sync_window", "none", "10:12", ["ss-1", "bk-C"])}
    log, finding = found(steps, Windows(sync_window_minutes=6))
    assert factors(log, finding) == {factor(log, "stop_sell_unacknowledged", "ota_partner", "10:12", ["ss-1", "bk-C"])}
    late = SOLD_OUT_AT_10 + [booking("C", "10:08", AGODA), stop_sell("10:15")]
    log, finding = found(late, Windows(allowed_stop_sell_delay_minutes=15))
    assert factors(log, finding) == {factor(log, "sold_beyond_capacity", "ota_partner", "10:08", ["inv-1", "bk-C"])}


def test_a_channels_department_comes_from_configuration() -> None:
    log = Log()
    for step in SOLD_OUT_AT_10 + [booking("C", "10:30", "ota:expedia")]:
        step(log)
    departments = Departments(by_source={"ota:*": "ota_partner", "ota:expedia": "expedia_desk"})
    finding = overbooking.detect(night_facts(log.rows, RESOURCE, NIGHT, departments), Windows())
    assert factors(log, finding) == {factor(log, "sold_beyond_capacity", "expedia_desk", "10:30", ["inv-1", "bk-C"])}


def test_each_booking_sold_over_gets_its_own_factor_and_the_case_what_it_involves() -> None:
    log, finding = found(SOLD_OUT_AT_10 + [stop_sell("10:05"), ack("10:06"), booking("C", "10:30", AGODA),
                                           booking("D", "10:40", "ota:booking.com")])
    assert finding is not None
    assert factors(log, finding) == {
        factor(log, "stop_sell_not_honoured", "ota_partner", "10:30", ["ss-1", "ack-ota:agoda", "bk-C"]),
        factor(log, "stop_sell_unacknowledged", "ota_partner", "10:40", ["ss-1", "bk-D"], subject="D"),
    }
    assert (finding.detector, finding.incident, finding.category, finding.priority) == (
        "overbooking", f"{RESOURCE}/{NIGHT}", "overbooking", "high")
    assert finding.case_ref.startswith("OVB-") and len(finding.case_ref) == 14
    assert finding.opened_at == utc("10:30")
    assert finding.booking_refs == ("A", "B", "C", "D")
    assert finding.evidence == (("ota:agoda", "ack-ota:agoda"), ("pms:seaside", "inv-1"), ("pms:seaside", "ss-1"))
    assert finding.summary == f"{RESOURCE} {NIGHT} sold beyond the 2 available"
    [first] = [f for f in finding.factors if f.subject == "C"]
    assert first.explanation == ("ota:agoda accepted booking C 24 min after acknowledging the stop-sell of "
                                 "10:05 +07:00")


def test_the_same_incident_whatever_order_its_events_arrived_in() -> None:
    steps = SOLD_OUT_AT_10 + [stop_sell("10:05"), ack("10:06"), booking("C", "10:30", AGODA)]
    _, finding = found(steps)
    late_log, late = found(list(reversed(steps)))
    assert [r.position for r in late_log.rows] == list(range(1, len(steps) + 1))
    assert finding is not None and late is not None
    assert (late.case_ref, late.factors, late.evidence) == (finding.case_ref, finding.factors, finding.evidence)
