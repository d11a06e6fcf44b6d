"""The report pages in Chromium: their charts, and the drill-down from a figure to exactly its cases."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.http.served import Served
from tests.pages.conftest import api, screenshot

JUNE = "from=2024-06-01&to=2024-06-30"
# The member-service sample's top issues for June 2024, in the order of the samples' README.
TOP_ISSUES = [("rate_discrepancy", 9), ("complimentary_night", 8), ("loyalty_status", 7), ("retro_claim", 6),
              ("loyalty_merge", 5), ("website", 4)]


def listed(page: Page) -> list[str]:
    return page.locator("#cases td.ref a").all_text_contents()


def test_top_issues_bars_in_order_and_a_bar_lists_exactly_its_cases(lead: Page, server: Served) -> None:
    lead.goto(f"/reports/top-issues?{JUNE}")
    bars = lead.locator("#chart a.figure.bar")
    assert bars.evaluate_all("bars => bars.map(b => b.dataset.key)") == [c for c, _ in TOP_ISSUES]
    widths = lead.locator("#chart rect.bar").evaluate_all("bars => bars.map(b => b.width.baseVal.value)")
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
    for category, count in TOP_ISSUES:
        expect(lead.locator(f"#chart text.change[data-key='{category}']")).to_have_text(f"▲ +{count} vs 0")
    screenshot(lead, "report-top-issues")
    bars.first.click()
    lead.wait_for_url(re.compile(r"/\?counted=opened"))
    expect(lead.locator("#bucket")).to_contain_text("category rate_discrepancy")
    # Exactly the cases the API lists for the category opened in June.
    june = api(server, "/v1/cases?category=rate_discrepancy&opened_from=2024-06-01T00:00:00Z"
                       "&opened_to=2024-06-30T23:59:59Z&limit=500").json()["items"]
    assert len(june) == 9
    assert sorted(listed(lead)) == sorted(c["case_ref"] for c in june)
    expect(lead.locator("#case-count")).to_have_text("9 cases, newest first.")


def test_the_previous_period_bar_lists_its_cases_too(lead: Page) -> None:
    lead.goto(f"/reports/top-issues?{JUNE}")
    lead.locator("#chart a.figure.previous[data-key='website']").click()
    lead.wait_for_url(re.compile(r"from=2024-05-02&to=2024-05-31"))
    assert listed(lead) == []


@pytest.mark.parametrize("name", ["weekly", "monthly"])
def test_trends_of_opened_resolved_and_open(lead: Page, server: Served, name: str) -> None:
    lead.goto(f"/reports/{name}?{JUNE}")
    document = api(server, f"/v1/reports/{name}?{JUNE}").json()
    periods = document["periods"]
    opened = lead.locator("#chart rect.opened").evaluate_all("bars => bars.map(b => b.dataset.key)")
    assert opened == [p["from"] for p in periods]
    assert lead.locator("#chart circle.open_at_end").count() == len(periods)
    screenshot(lead, f"report-{name}")
    # Each figure of the table lists exactly as many cases as it says.
    busiest = max(periods, key=lambda p: p["resolved"])
    cell = lead.locator(f"#report-table tr[data-period='{busiest['from']}'] td").nth(1).locator("a")
    expect(cell).to_have_text(str(busiest["resolved"]))
    cell.click()
    lead.wait_for_url(re.compile(r"counted=resolved"))
    assert len(listed(lead)) == busiest["resolved"]


def test_departments_factors_beside_first_contacts(lead: Page, server: Served) -> None:
    lead.goto("/reports/departments")
    document = api(server, "/v1/reports/departments").json()
    named = [d["department"] for d in document["departments"]]
    assert lead.locator("#chart rect.proposed").evaluate_all("bars => bars.map(b => b.dataset.key)") == named
    assert lead.locator("#chart rect.first_contact").count() == len(named)
    screenshot(lead, "report-departments")
    [sales] = [d for d in document["departments"] if d["department"] == "sales"]
    assert sales["factors"]["confirmed"] == 1
    lead.locator("#chart a.figure.confirmed[data-key='sales']").click()
    assert listed(lead) == ["ZD-9001"]


def test_outstanding_lists_the_open_cases(lead: Page, server: Served) -> None:
    lead.goto(f"/reports/outstanding?{JUNE}")
    document = api(server, f"/v1/reports/outstanding?{JUNE}").json()
    refs = lead.locator("#report-table td.ref a").all_text_contents()
    assert refs == [c["case_ref"] for c in document["cases"]]
    screenshot(lead, "report-outstanding")
    link = lead.locator("#chart a.figure").first
    query = parse_qs(urlsplit(str(link.get_attribute("href"))).query)
    link.click()
    wanted = [c["case_ref"] for c in document["cases"] if c["priority"] == query["counted_priority"][0]]
    assert sorted(listed(lead)) == sorted(wanted)
