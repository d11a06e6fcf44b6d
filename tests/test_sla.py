"""Service-level clocks recorded on the log, on SQLite and PostgreSQL (docs/sla.md).

The member desk works 09:00-17:00 Amsterdam time on weekdays; 7 June 2024 is a Friday and
Monday 10 June is configured as a holiday.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.config_file import ConfigError, load_config
from casetrail.adapters.settings import Settings
from tests.conftest import inputs

CONFIG = """
[sla]
time_zone = "Europe/Amsterdam"
holidays = [2024-06-10]

[sla.policies.standard]
version = {version}
first_reply_minutes = {first_reply}
next_reply_minutes = 120
resolution_minutes = 480

[sla.policies.urgent]
version = 1
priorities = ["high", "critical"]
first_reply_minutes = 45
resolution_minutes = 240
"""
NOW = datetime(2024, 7, 1, tzinfo=UTC)


def at(day: str, clock: str) -> str:
    return f"2024-06-{day}T{clock}:00+02:00"


def event(kind: str, event_id: str, time: str, source: str = "helpdesk:zendesk", **data: Any) -> bytes:
    return orjson.dumps({"specversion": "1.0", "id": event_id, "source": source, "type": kind, "time": time,
                         "data": data})


def contact(event_id: str, time: str, direction: str, case_ref: str = "ZD-1") -> bytes:
    return event("contact.started", event_id, time, source="mail:desk", contact_ref=f"M-{event_id}",
                 party_ref="member-1", medium="email", direction=direction, case_ref=case_ref)


# Opened on Friday 16:30; the first reply comes on Tuesday 09:45, after the holiday: 75 business minutes.
# The desk then waits on the member from Tuesday 09:45 until their answer on Wednesday 10:00.
STORY = [
    event("case.opened", "t1", at("07", "16:30"), case_ref="ZD-1", category="other", summary="refund",
          party_ref="member-1"),
    event("case.assigned", "t2", at("07", "16:40"), case_ref="ZD-1", department="billing"),
    contact("m1", at("11", "09:45"), "outbound"),
    contact("m2", at("12", "10:00"), "inbound"),
    contact("m3", at("12", "10:30"), "outbound"),
    event("case.resolved", "t3", at("12", "11:00"), case_ref="ZD-1", resolution="refunded"),
]


def start(database_url: str, tmp_path: Path, version: int = 1, first_reply: int = 60) -> System:
    config = tmp_path / f"casetrail-{version}.toml"
    config.write_text(CONFIG.format(version=version, first_reply=first_reply))
    system = bootstrap(Settings(database_url=database_url, config_path=str(config)))
    system.detectors.clocks.now = lambda: NOW
    return system


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[System]:
    system = start(database_url, tmp_path)
    assert system.ingestion.ingest(inputs(STORY), backfill=True).rejected == 0
    system.catch_up()
    yield system
    system.close()


def sla_rows(system: System) -> list[tuple[str, dict[str, Any], str]]:
    rows = system.view_store.query("SELECT type, details, occurred_at FROM timeline_entries "
                                   "WHERE type LIKE 'sla.%' ORDER BY position")
    return [(kind, orjson.loads(details), occurred) for kind, details, occurred in rows]


def milestones(system: System, version: int = 1) -> list[tuple[str, str, str, int]]:
    return [(d["metric"], kind.removeprefix("sla."), occurred[:16], d["elapsed_seconds"] // 60)
            for kind, d, occurred in sla_rows(system) if d["policy_version"] == version]


def test_clocks_count_business_hours_over_a_weekend_a_holiday_and_a_pause_on_the_customer(desk: System) -> None:
    assert sorted(milestones(desk)) == sorted([
        ("first_reply", "activated", "2024-06-07T14:30", 0),
        ("resolution", "activated", "2024-06-07T14:30", 0),
        ("first_reply", "warning", "2024-06-11T07:18", 48),   # Tuesday 09:18 local
        ("first_reply", "breached", "2024-06-11T07:30", 60),
        ("first_reply", "fulfilled", "2024-06-11T07:45", 75),
        ("resolution", "paused", "2024-06-11T07:45", 75),
        ("resolution", "resumed", "2024-06-12T08:00", 75),  # paused on the member, not counted
        ("next_reply", "activated", "2024-06-12T08:00", 0),
        ("next_reply", "fulfilled", "2024-06-12T08:30", 30),
        ("resolution", "paused", "2024-06-12T08:30", 105),
        ("resolution", "fulfilled", "2024-06-12T09:00", 105),
    ])


def test_a_breach_proposes_sla_breached_against_the_department_holding_the_case(desk: System) -> None:
    report = desk.cases.case_report("ZD-1")
    [factor] = [f for f in report["factors"] if f["code"] == "sla_breached"]
    assert factor["department"] == "billing" and factor["status"] == "proposed"
    assert factor["at"] == "2024-06-11T07:30:00Z"
    assert {(e["source"], e["id"]) for e in factor["evidence"]} == {("helpdesk:zendesk", "t1")}
    assert "first reply target of 60 business minutes (standard v1)" in factor["explanation"]


def test_the_clocks_are_recorded_once_however_often_they_run_and_a_replay_changes_nothing(
        desk: System, database_url: str, tmp_path: Path) -> None:
    before = sla_rows(desk)
    assert desk.detectors.clocks.catch_up() == 0
    for runner in desk.views:
        runner.rebuild()
    desk.catch_up()
    assert sla_rows(desk) == before
    again = start(database_url, tmp_path)  # a new process, same configuration
    try:
        assert again.detectors.catch_up() == 0
    finally:
        again.close()


def test_a_new_policy_version_computes_the_clocks_again_beside_the_old(desk: System, database_url: str,
                                                                       tmp_path: Path) -> None:
    old = milestones(desk)
    desk.close()
    changed = start(database_url, tmp_path, version=2, first_reply=120)
    try:
        changed.catch_up()
        assert milestones(changed) == old  # the old version's events stay
        renewed = milestones(changed, version=2)
        first_reply = [m for m in renewed if m[0] == "first_reply"]
        assert [m[1] for m in first_reply] == ["activated", "fulfilled"]  # 75 of 120 minutes: met, not even warned
        assert Counter(m[1] for m in renewed)["activated"] == 3
        # The breach under version 1 stays proposed; version 2 proposes nothing more.
        assert [f["code"] for f in changed.cases.case_report("ZD-1")["factors"]] == ["sla_breached"]
    finally:
        changed.close()


def sla_of_week(system: System, first: date) -> dict[str, Any]:
    [week] = system.reports.report("weekly", first, first + timedelta(days=6))["periods"]
    return week["sla"]  # type: ignore[no-any-return]


def test_weekly_and_monthly_reports_show_the_share_of_targets_met_by_policy_and_department(desk: System) -> None:
    # Week of 10 June: the first reply breached, the next reply and the resolution met, all while billing held it.
    week = sla_of_week(desk, date(2024, 6, 10))
    assert {k: week[k] for k in ("targets", "met", "breached", "share_met")} == {
        "targets": 3, "met": 2, "breached": 1, "share_met": 0.67}
    assert week["by_policy"] == [{"policy": "standard", "version": 1, "targets": 3, "met": 2, "breached": 1,
                                  "share_met": 0.67}]
    assert [(d["department"], d["targets"], d["met"]) for d in week["by_department"]] == [("billing", 3, 2)]
    assert sla_of_week(desk, date(2024, 6, 3))["targets"] == 0  # opened that week, but nothing ended in it
    [june] = desk.reports.report("monthly", date(2024, 6, 1), date(2024, 6, 30))["periods"]
    assert june["sla"]["targets"] == 3 and june["opened"] == 1  # the report's other fields are as they were


def test_reports_use_the_latest_policy_version(desk: System, database_url: str, tmp_path: Path) -> None:
    desk.close()
    changed = start(database_url, tmp_path, version=2, first_reply=120)
    try:
        changed.catch_up()
        week = sla_of_week(changed, date(2024, 6, 10))
        assert (week["met"], week["share_met"]) == (3, 1.0)
        assert [(p["policy"], p["version"]) for p in week["by_policy"]] == [("standard", 2)]
    finally:
        changed.close()


def test_a_clock_breaches_with_time_alone_and_is_due_until_then(database_url: str, tmp_path: Path) -> None:
    system = start(database_url, tmp_path)
    try:
        system.detectors.clocks.now = lambda: datetime(2024, 6, 12, 7, 40, tzinfo=UTC)  # 09:40 local: 40 of 45 min
        system.ingestion.ingest(inputs([event("case.opened", "x1", at("12", "09:00"), case_ref="ZD-2",
                                              category="other", summary="card lost", party_ref="member-2",
                                              priority="high")]),
                                backfill=True)
        system.catch_up()
        assert [kind for kind, _, _ in sla_rows(system)] == ["sla.activated", "sla.activated", "sla.warning"]
        [at_risk] = system.reports.report("outstanding", now=datetime(2024, 6, 12, 7, 40, tzinfo=UTC))["sla_at_risk"]
        assert at_risk == {"case_ref": "ZD-2", "policy": "urgent", "version": 1, "metric": "first_reply",
                           "cycle": 1, "department": "customer_service", "warned_at": "2024-06-12T07:36:00Z",
                           "due_at": "2024-06-12T07:45:00Z", "target_seconds": 2700}
        system.detectors.clocks.now = lambda: datetime(2024, 6, 12, 8, 0, tzinfo=UTC)  # no new event
        system.catch_up()
        assert [kind for kind, d, _ in sla_rows(system) if d["metric"] == "first_reply"] == [
            "sla.activated", "sla.warning", "sla.breached"]
        assert system.reports.report("outstanding", now=datetime(2024, 6, 12, 8, 0, tzinfo=UTC))["sla_at_risk"] == []
    finally:
        system.close()


def test_a_policy_naming_an_unknown_category_or_a_bad_window_is_refused_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[sla.policies.vip]\nversion = 1\ncategories = ["gold"]\n')
    with pytest.raises(ConfigError, match=r"sla: .*policies.vip: 'gold' is not a configured category"):
        load_config(str(config))
    config.write_text('[sla.hours]\nmonday = ["17:00-09:00"]\n')
    with pytest.raises(ConfigError, match=r"line 1: sla.hours: .*monday: .*must start before it ends"):
        load_config(str(config))


def test_the_command_line_shows_the_clocks_about_to_breach_and_the_share_met(desk: System) -> None:
    from tests.test_cli import casetrail

    # Opened Wednesday 16:10: its first reply warns at 16:58 and breaches at 09:10 on Thursday.
    desk.ingestion.ingest(inputs([event("case.opened", "late1", at("12", "16:10"), case_ref="ZD-3",
                                        category="other", summary="statement", party_ref="member-3")]),
                          backfill=True)
    desk.catch_up()
    url = desk.settings.database_url
    shown = casetrail("--database", url, "report", "outstanding", "--to", "2024-06-12")
    assert shown.returncode == 0, shown.stderr
    assert "SLA clocks about to breach" in shown.stdout and "ZD-3" in shown.stdout.split("SLA clocks")[1]
    weekly = casetrail("--database", url, "report", "weekly", "--from", "2024-06-10", "--to", "2024-06-16", "--csv")
    assert weekly.returncode == 0, weekly.stderr
    [row] = list(csv.DictReader(io.StringIO(weekly.stdout)))
    # ZD-1's three targets (two met) and ZD-3's two, both breached: it never got a reply.
    assert (row["sla_targets"], row["sla_share_met"]) == ("5", "0.4")
