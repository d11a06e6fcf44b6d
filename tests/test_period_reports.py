"""``report weekly`` and ``report monthly`` over many cases and several years: every period counts
exactly the cases its definition names, and weeks and months of the same dates agree."""

from __future__ import annotations

import json
import random
import statistics
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.projections.reports import CaseFacts, Period, period_report, split
from tests.test_cli import casetrail
from tests.test_reports import report

ZONES = [ZoneInfo("UTC"), ZoneInfo("Europe/Lisbon"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Jakarta")]
EPOCH = datetime(2021, 1, 1, tzinfo=UTC)


def counted(cases: list[CaseFacts], period: Period) -> dict[str, Any]:
    """What one period counts, straight from the definitions, one case at a time."""
    opened = [c for c in cases if period.holds(c.opened_at)]
    resolved = [c for c in cases if period.holds(c.resolved_at)]
    hours = sorted((c.resolved_at - c.opened_at).total_seconds() / 3600 for c in resolved if c.resolved_at)
    return {
        "opened": len(opened),
        "resolved": len(resolved),
        "open_at_end": sum(1 for c in cases if c.open_at(period.end)),
        "categories": sorted({c.category for c in opened} | {c.category for c in resolved}),
        "median": round(statistics.median(hours), 2) if hours else None,
        "transfers": sum(c.transfers for c in opened),
    }


def shown(entry: dict[str, Any]) -> dict[str, Any]:
    return {"opened": entry["opened"], "resolved": entry["resolved"], "open_at_end": entry["open_at_end"],
            "categories": sorted(entry["by_category"]), "median": entry["hours_to_resolution"]["median"],
            "transfers": entry["effort"]["transfers"]}


def moments(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Moments in minutes from the epoch, and many on a midnight of ``zone``, where periods meet."""
    return st.one_of(
        st.integers(min_value=0, max_value=3 * 365 * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m)),
        st.dates(date(2021, 1, 1), date(2023, 12, 31)).map(lambda d: datetime.combine(d, time(0), zone)))


def case_facts(zone: ZoneInfo) -> st.SearchStrategy[CaseFacts]:
    return st.builds(
        lambda n, opened, resolved, category, transfers: CaseFacts(
            f"C-{n}", category, "normal", "resolved" if resolved else "open", opened, resolved, None, None, 1,
            transfers, 0, False),
        st.integers(0, 10**6), moments(zone), st.one_of(st.none(), moments(zone)),
        st.sampled_from(["payment", "website", "terms"]), st.integers(0, 3))


@settings(max_examples=80, deadline=None)
@given(data=st.data(), zone=st.sampled_from(ZONES), first=st.dates(date(2020, 12, 1), date(2023, 12, 31)),
       days=st.integers(0, 500))
def test_each_period_counts_what_its_definition_names(data: st.DataObject, zone: ZoneInfo, first: date,
                                                      days: int) -> None:
    cases = data.draw(st.lists(case_facts(zone), max_size=60))
    whole = Period(first, first + timedelta(days=days), zone)
    for unit in ("week", "month"):
        periods = split(whole, unit)
        assert [shown(entry) for entry in period_report(cases, periods)] == [counted(cases, p) for p in periods]


def test_weekly_and_monthly_agree_over_years_of_cases(sqlite_url: str, tmp_path: Path) -> None:
    events = tmp_path / "cases.jsonl"
    events.write_text("".join(json.dumps(event) + "\n" for event in _cases_over_years(400)))
    result = casetrail("--database", sqlite_url, "ingest", "--backfill", str(events))
    assert result.returncode == 0, result.stderr
    dates = ["--from", "2021-01-01", "--to", "2023-12-31"]
    weeks = report(sqlite_url, "weekly", *dates)["periods"]
    months = report(sqlite_url, "monthly", *dates)["periods"]
    assert len(months) == 36 and weeks[0]["from"] == "2021-01-01" and weeks[-1]["to"] == "2023-12-31"
    for count in ("opened", "resolved"):
        assert sum(w[count] for w in weeks) == sum(m[count] for m in months) > 300
    assert weeks[-1]["open_at_end"] == months[-1]["open_at_end"]
    for category in ("payment", "website", "terms"):
        assert (sum(w["by_category"].get(category, {}).get("opened", 0) for w in weeks)
                == sum(m["by_category"].get(category, {}).get("opened", 0) for m in months))
    # A month ending on a Sunday ends a week too: both count the same cases still open then.
    ends = {w["to"]: w["open_at_end"] for w in weeks}
    shared = [m for m in months if m["to"] in ends]
    assert shared and all(ends[m["to"]] == m["open_at_end"] for m in shared)


def _cases_over_years(count: int) -> list[dict[str, Any]]:
    rng = random.Random(14)
    events = []
    for n in range(count):
        ref, opened = f"Y-{n:04d}", EPOCH + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        common = {"specversion": "1.0", "source": "helpdesk:years", "actor": "agent-1", "department": "member_service"}
        events.append({**common, "id": f"{ref}-o", "type": "case.opened", "time": opened.isoformat(),
                       "data": {"case_ref": ref, "category": rng.choice(["payment", "website", "terms"]),
                                "summary": ref, "party_ref": f"party-{n}", "priority": "normal"}})
        if rng.random() < 0.85:
            resolved = opened + timedelta(minutes=rng.randrange(10, 40 * 24 * 60))
            events.append({**common, "id": f"{ref}-r", "type": "case.resolved", "time": resolved.isoformat(),
                           "data": {"case_ref": ref, "resolution": "answered"}})
    return events
