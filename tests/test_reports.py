"""The desks' reports, read through the command line as a lead or a dashboard would."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.services.report_queries import ReportQueries
from casetrail.services.view_runner import ViewRunner
from tests.conftest import SCENARIOS, lines_of
from tests.test_cli import casetrail

MEMBER_MONTH = SCENARIOS / "03-member-service-month.jsonl"
JUNE = ["--from", "2024-06-01", "--to", "2024-06-30"]
JUNE_DATES = (date(2024, 6, 1), date(2024, 6, 30))


def report(database_url: str, *args: str) -> dict[str, Any]:
    result = casetrail("--database", database_url, "report", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def ingest(database_url: str, *paths: Path) -> None:
    result = casetrail("--database", database_url, "ingest", "--backfill", *map(str, paths))
    assert result.returncode == 0, result.stderr


def test_the_member_desk_top_six_of_june_rank_as_the_desk_counted_them(database_url: str) -> None:
    ingest(database_url, MEMBER_MONTH)
    top = report(database_url, "top-issues", *JUNE)
    assert [(t["category"], t["count"]) for t in top["top"]] == [
        ("rate_discrepancy", 9), ("complimentary_night", 8), ("loyalty_status", 7),
        ("retro_claim", 6), ("loyalty_merge", 5), ("website", 4)]
    assert top["previous"] == {"from": "2024-05-02", "to": "2024-05-31"}
    assert all(t["previous"] == 0 and t["change"] == t["count"] for t in top["top"])
    assert report(database_url, "top-issues", *JUNE, "--top", "2")["top"][1]["category"] == "complimentary_night"


def test_outstanding_lists_exactly_the_cases_never_resolved_critical_first(database_url: str) -> None:
    ingest(database_url, MEMBER_MONTH)
    events = [json.loads(line) for line in lines_of(MEMBER_MONTH.name)]
    resolved = {e["data"]["case_ref"] for e in events if e["type"] == "case.resolved"}
    never = {e["data"]["case_ref"] for e in events if e["type"] == "case.opened"} - resolved
    outstanding = report(database_url, "outstanding")["cases"]
    assert {c["case_ref"] for c in outstanding} == never
    ranks = ["critical", "high", "normal", "low"]
    assert [ranks.index(c["priority"]) for c in outstanding] == sorted(ranks.index(c["priority"]) for c in outstanding)
    assert all(c["holder"] == "member_service" and c["age_days"] > 30 for c in outstanding)


def test_weekly_counts_sum_to_the_monthly_ones(database_url: str) -> None:
    ingest(database_url, MEMBER_MONTH)
    month = report(database_url, "monthly", *JUNE)["periods"]
    weeks = report(database_url, "weekly", *JUNE)["periods"]
    assert len(month) == 1 and [w["from"] for w in weeks][:2] == ["2024-06-01", "2024-06-03"]
    for count in ("opened", "resolved"):
        assert sum(w[count] for w in weeks) == month[0][count]
    assert month[0]["opened"] == 44 and weeks[-1]["open_at_end"] == month[0]["open_at_end"]
    by_category = month[0]["by_category"]
    assert by_category["rate_discrepancy"]["opened"] == 9
    assert month[0]["effort"]["contacts_per_case"] == 1.0
    median, p90 = month[0]["hours_to_resolution"].values()
    assert 0 < median <= p90


def test_departments_show_where_errors_come_from_after_a_lead_decides(database_url: str) -> None:
    ingest(database_url, *sorted(SCENARIOS.glob("*.jsonl")))
    cases = json.loads(casetrail("--database", database_url, "cases", "--json").stdout)
    by_category = {c["category"]: c["case_ref"] for c in cases}

    def decide(verdict: str, case_ref: str, code: str) -> None:
        result = casetrail("--database", database_url, "factor", verdict, case_ref, code, "--by", "lead-7",
                           "--rationale", "checked against the channel manager and payment logs")
        assert result.returncode == 0, result.stderr

    decide("confirm", by_category["overbooking"], "stop_sell_not_honoured")
    decide("reject", by_category["payment"], "repeated_payment_failure")
    departments = {d["department"]: d for d in report(database_url, "departments")["departments"]}

    assert departments["ota_partner"]["by_code"] == {
        "stop_sell_not_honoured": {"proposed": 0, "confirmed": 1, "rejected": 0}}
    assert departments["ecommerce"]["by_code"] == {
        "repeated_payment_failure": {"proposed": 0, "confirmed": 0, "rejected": 1}}
    assert departments["sales"]["by_code"] == {"rate_miscommunicated": {"proposed": 0, "confirmed": 1, "rejected": 0}}
    assert departments["reservations"]["by_code"] == {"sop_step_missed": {"proposed": 1, "confirmed": 0, "rejected": 0}}
    handling = departments["customer_service"]["by_code"]
    assert set(handling) == {"repeat_contact", "transfer_loop", "long_hold", "executive_escalation"}
    assert all(counts["proposed"] == 1 for counts in handling.values())
    # Where errors come from is not where first contact happened.
    assert departments["member_service"]["first_contact_cases"] == 44
    assert departments["member_service"]["factors"] == {"proposed": 0, "confirmed": 0, "rejected": 0}


def test_a_case_opened_just_after_midnight_in_jakarta_counts_in_the_month_of_the_zone_asked(
    database_url: str, tmp_path: Path
) -> None:
    opened = {"specversion": "1.0", "id": "zd-77", "source": "helpdesk:zendesk", "type": "case.opened",
              "time": "2024-07-01T06:30:00+07:00",
              "data": {"case_ref": "ZD-77", "category": "terms", "summary": "cancellation terms unclear"}}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(opened) + "\n")
    ingest(database_url, path)
    window = ["--from", "2024-06-01", "--to", "2024-07-31"]
    in_jakarta = report(database_url, "monthly", *window, "--tz", "Asia/Jakarta")["periods"]
    in_utc = report(database_url, "monthly", *window, "--tz", "UTC")["periods"]
    assert [p["opened"] for p in in_jakarta] == [0, 1]
    assert [p["opened"] for p in in_utc] == [1, 0]


def test_reports_name_their_position_and_are_the_same_after_replay(sqlite_url: str) -> None:
    ingest(sqlite_url, *sorted(SCENARIOS.glob("*.jsonl")))
    before = {name: report(sqlite_url, name, *JUNE) for name in ("weekly", "monthly", "top-issues", "departments")}
    assert casetrail("--database", sqlite_url, "replay").returncode == 0
    after = {name: report(sqlite_url, name, *JUNE) for name in before}
    assert after == before
    assert before["weekly"]["position"] > 0 and before["weekly"]["definition_version"] == 1


def test_csv_output_has_a_header_and_one_row_per_period(sqlite_url: str) -> None:
    ingest(sqlite_url, MEMBER_MONTH)
    result = casetrail("--database", sqlite_url, "report", "weekly", *JUNE, "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and rows[1]["from"] == "2024-06-03" and rows[1]["opened"] == "8"


def test_a_bad_report_argument_is_a_usage_error_naming_it(sqlite_url: str) -> None:
    bootstrap(Settings(database_url=sqlite_url)).close()  # a report reads a store; it does not create one
    for args, named in [(["weekly", "--tz", "Mars/Olympus"], "Mars/Olympus"),
                        (["weekly", "--from", "June"], "must be an RFC 3339 date, YYYY-MM-DD (got 'June')"),
                        (["yearly"], "yearly")]:
        result = casetrail("--database", sqlite_url, "report", *args)
        assert result.returncode == 2 and named in result.stderr, result.stderr
    backwards = casetrail("--database", sqlite_url, "report", "weekly", "--from", "2024-06-30", "--to", "2024-06-01")
    assert backwards.returncode == 1 and "is before --from" in backwards.stderr


def test_a_new_definition_of_the_case_rows_recomputes_past_periods_from_the_log(sqlite_url: str) -> None:
    ingest(sqlite_url, MEMBER_MONTH)
    system = bootstrap(Settings(database_url=sqlite_url))
    try:
        system.catch_up()
        expected = system.reports.report("monthly", *JUNE_DATES)
        with system.view_store.transaction() as cursor:
            cursor.execute("UPDATE report_cases SET category = 'other'")  # rows as an older definition wrote them
        assert system.reports.report("monthly", *JUNE_DATES)["periods"] != expected["periods"]
        timeline, rows = system.views
        newer = ViewRunner(system.ingestion.recorder, system.view_store,
                           replace(rows.view, version=rows.view.version + 1), behind=timeline)
        newer.catch_up()
        assert ReportQueries(system.view_store).report("monthly", *JUNE_DATES) == expected
    finally:
        system.close()


def test_each_case_row_counts_what_its_case_report_shows(database_url: str) -> None:
    ingest(database_url, *sorted(SCENARIOS.glob("*.jsonl")))
    system = bootstrap(Settings(database_url=database_url))
    try:
        system.catch_up()
        rows = {c.case_ref: c for c in system.reports.cases()}
        assert len(rows) == len(system.cases.list_cases()) == 48
        for case_ref, row in rows.items():
            shown = system.cases.case_report(case_ref)
            spent = shown["effort"]
            assert (row.status, row.priority, row.category) == (shown["status"], shown["priority"], shown["category"])
            assert (row.contacts, row.transfers, row.hold_seconds, row.first_contact_resolution) == (
                spent["contacts"], spent["transfers"], spent["hold_seconds"], spent["first_contact_resolution"])
            contacts = [e for e in shown["timeline"] if e["type"] == "contact.started"]
            assert row.first_contact == (contacts[0]["department"] if contacts else None)
    finally:
        system.close()
