"""Case timelines, effort and time travel, read from the timeline index."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.settings import Settings
from casetrail.domain.errors import CaseNotFound
from casetrail.projections.timeline import TIMELINE
from casetrail.services.case_queries import Moment
from casetrail.services.view_runner import ViewRunner
from tests.conftest import all_scenario_lines, lines_of, load


def entry_ids(report: dict[str, Any]) -> list[str]:
    return [entry["id"] for entry in report["timeline"]]


def inbound_ids(report: dict[str, Any]) -> list[str]:
    """The timeline without what casetrail recorded itself (detectors' and leads' work)."""
    return [entry["id"] for entry in report["timeline"] if entry["source"] != "casetrail"]


def test_a_helpdesk_case_shows_its_booking_with_the_procedure_step_and_the_modification(system: System) -> None:
    load(system, all_scenario_lines())
    report = system.cases.case_report("ZD-9001")
    assert inbound_ids(report) == ["pms-g77", "pms-g77-conf", "pms-g77-mod", "zd-9001", "zd-9001-f1", "zd-9001-r"]
    assert report["subjects"]["booking_refs"] == ["G-77"]
    assert report["status"] == "resolved" and report["category"] == "booking_error"
    added = next(f for f in report["factors"] if f["code"] == "rate_miscommunicated")
    assert added["department"] == "sales" and added["status"] == "confirmed"
    assert added["evidence"] == [{"source": "pms:harbour", "id": "pms-g77"}, {"source": "pms:harbour", "id": "pms-g77-mod"}]
    assert report["timeline"][0]["occurred_at"] == "2019-03-04T02:05:00Z"


def test_the_case_report_is_found_by_case_id_too(system: System) -> None:
    load(system, lines_of("05-booking-blamed-on-first-contact.jsonl"))
    report = system.cases.case_report("ZD-9001")
    assert system.cases.case_report(report["case_id"]) == report
    with pytest.raises(CaseNotFound):
        system.cases.case_report("ZD-0000")


def test_a_member_service_case_holds_the_contact_that_carried_its_case_ref(system: System) -> None:
    load(system, lines_of("03-member-service-month.jsonl"))
    report = system.cases.case_report("MS-1022")
    assert inbound_ids(report) == ["MS-1022-c", "MS-1022-o", "MS-1022-ce", "MS-1022-r"]
    assert report["effort"]["contacts"] == 1 and report["effort"]["first_contact_resolution"] is True
    assert report["proactive"] is False


STOP_SELL_CASE = json.dumps({
    "specversion": "1.0", "id": "fo-case-1", "source": "helpdesk:zendesk", "type": "case.opened",
    "time": "2019-06-21T10:25:00+07:00", "actor": "lusia", "department": "front_office",
    "data": {"case_ref": "FO-1", "category": "overbooking", "summary": "walk-in took the last room",
             "booking_ref": "S-104", "priority": "normal"},
}).encode()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


def test_as_of_shows_what_had_occurred_and_known_at_what_had_been_reported(system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl") + [STOP_SELL_CASE])
    full = inbound_ids(system.cases.case_report("FO-1"))
    # The case's booking, the inventory of its night, the stop-sell and both acknowledgements.
    assert full == ["inv-0621", "fo-104", "fo-case-1", "fo-311", "tvl-ack-311", "bcom-ack-311"]

    then = entry_ids(system.cases.case_report("FO-1", Moment(as_of=local("2019-06-21T10:33:30"))))
    assert "fo-311" in then and "tvl-ack-311" in then and "bcom-ack-311" not in then

    known = entry_ids(system.cases.case_report("FO-1", Moment(known_at=local("2019-06-21T11:24:30"))))
    assert "bcom-ack-311" in known

    before = system.cases.case_report("FO-1", Moment(as_of=local("2019-06-21T10:00:00")))
    assert before["status"] == "not_opened" and inbound_ids(before) == ["inv-0621"]


def test_cases_are_listed_oldest_first_and_filtered(system: System) -> None:
    load(system, all_scenario_lines())
    listed = system.cases.list_cases()
    assert len(listed) == 45 + 3  # the helpdesks' cases and the three the detectors opened
    assert [c["opened_at"] for c in listed] == sorted(c["opened_at"] for c in listed)
    assert [c["case_ref"] for c in system.cases.list_cases(department="sales")] == ["ZD-9001"]
    open_cases = system.cases.list_cases(status="open")
    assert open_cases and all(c["status"] == "open" for c in open_cases)
    assert all(c["category"] == "website" for c in system.cases.list_cases(category="website"))


def all_reports(system: System) -> str:
    refs = [c["case_ref"] for c in system.cases.list_cases()]
    return json.dumps([system.cases.case_report(ref) for ref in refs], sort_keys=True)


def test_replay_gives_byte_identical_reports_for_every_case(system: System) -> None:
    load(system, all_scenario_lines())
    live = all_reports(system)
    for runner in system.views:
        runner.rebuild()
    assert all_reports(system) == live


def test_a_new_view_version_rebuilds_instead_of_patching(database_url: str) -> None:
    system = bootstrap(Settings(database_url=database_url))
    try:
        load(system, lines_of("05-booking-blamed-on-first-contact.jsonl"))
        runner = ViewRunner(system.ingestion.recorder, system.view_store, replace(TIMELINE, version=TIMELINE.version + 1))
        assert runner.position() == 0
        assert runner.catch_up() == system.ingestion.recorder.max_notification_id()
    finally:
        system.close()
