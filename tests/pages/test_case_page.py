"""The case page in Chromium: swimlanes, the evidence a factor card highlights, time travel, a lead's
decision in place, an auditor's page without controls, the effort strip, and untrusted text as text."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.http.conftest import TOKENS
from tests.http.served import Served
from tests.pages.conftest import OVERBOOKING, TWENTY_CONTACTS, api, screenshot

FACTOR = "stop_sell_not_honoured"
EVIDENCE = {"fo-311", "bcom-ack-311", "bcom-8841"}
KNOWN_BEFORE_THE_SALE = "2019-06-21T10:33:30+07:00"


def lanes(page: Page) -> list[str]:
    return page.locator("#lanes g.lane").evaluate_all("lanes => lanes.map(l => l.dataset.department)")


def highlighted(page: Page) -> set[str]:
    """The entries drawn with the highlight's thick outline."""
    return set(page.locator("#lanes a.entry").evaluate_all(
        "entries => entries.filter(e => getComputedStyle(e.querySelector('.mark')).strokeWidth === '4px')"
        ".map(e => e.dataset.id)"))


def centre(page: Page, event_id: str) -> float:
    """Where an entry sits on the time axis, in the drawing's units."""
    return float(page.locator(f"#lanes a.entry[data-id='{event_id}'] .mark").evaluate(
        "m => { const b = m.getBBox(); return Math.round((b.x + b.width / 2) * 10) / 10; }"))


def test_the_overbooking_as_lanes_by_department(lead: Page) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    # Every department of the timeline has its lane, named in text; the sample's events come from the
    # front office, the OTAs, reservations, and casetrail's own case events (it has no channel manager).
    assert lanes(lead) == ["ota_partner", "front_office", "reservations", "casetrail"]
    expect(lead.locator("#lanes .lane-name")).to_have_text(["ota_partner", "front_office", "reservations", "casetrail"])
    sale = lead.locator("#lanes a.entry[data-id='bcom-8841']")
    assert "ota_partner" in sale.evaluate("e => e.closest('g.lane').dataset.department")
    # Its details on hover and on focus: summary, source, actor and the three times.
    title = sale.locator("title").text_content() or ""
    for said in ("booking B-8841", "ota:booking.com#bcom-8841", "occurred 2019-06-21T04:24:00Z",
                 "reported 2019-06-21T04:25:00Z", "recorded "):
        assert said in title
    tip = lead.locator(f"#tip-{str(sale.get_attribute('id')).removeprefix('mark-')}")
    expect(tip).to_be_hidden()
    sale.focus()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("reported 2019-06-21T04:25:00Z")
    screenshot(lead, "case-overbooking")


def test_keyboard_reaches_every_entry(lead: Page) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    lead.locator("#lanes a.entry").first.focus()
    focused = set()
    for _ in range(lead.locator("#lanes a.entry").count()):
        focused.add(lead.evaluate("document.activeElement.dataset.id"))
        lead.keyboard.press("Tab")
    assert EVIDENCE <= focused
    assert len(focused) == lead.locator("#lanes a.entry").count()


def test_the_factor_card_highlights_its_evidence(lead: Page) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    card = lead.locator(f"article.factor[data-code='{FACTOR}']")
    assert highlighted(lead) == set()
    card.get_by_role("link", name="Show its evidence on the lanes").click()
    assert highlighted(lead) == EVIDENCE
    assert {e for e in EVIDENCE} <= set(lead.locator("#lanes a.entry.evidence").evaluate_all(
        "entries => entries.map(e => e.dataset.id)"))
    screenshot(lead, "case-overbooking-factor-selected")


def test_as_we_knew_it_before_the_sale(lead: Page) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    expect(lead.locator("#lanes a.entry[data-id='bcom-8841']")).to_have_count(1)
    placed_now = centre(lead, "fo-311")
    lead.fill("#known_at", KNOWN_BEFORE_THE_SALE)
    lead.click("#time-travel button[type=submit]")
    lead.wait_for_url(re.compile(r"known_at=2019-06-21T10%3A33%3A30%2B07%3A00"))
    expect(lead.locator("#lanes a.entry[data-id='bcom-8841']")).to_have_count(0)
    expect(lead.locator(f"article.factor[data-code='{FACTOR}']")).to_have_count(0)
    expect(lead.locator("#lanes a.entry[data-id='fo-311']")).to_have_count(1)  # the stop-sell was known
    assert centre(lead, "fo-311") == placed_now  # on the same axis as the case now
    # The URL carries the moment: a colleague opening it sees the same.
    colleague = lead.context.new_page()
    colleague.goto(lead.url)
    expect(colleague.locator("#lanes a.entry[data-id='bcom-8841']")).to_have_count(0)
    expect(colleague.locator("#known_at")).to_have_value(KNOWN_BEFORE_THE_SALE)
    screenshot(lead, "case-overbooking-known-at-10-33")


def test_the_slider_redraws_in_place(lead: Page) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    slider = lead.locator(".slider[data-for='known_at']")
    expect(slider).to_be_visible()
    # 10:33:30 +07:00, as the slider counts: seconds since 1970.
    slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }",
                    "1561088010")
    expect(lead.locator("#known_at")).to_have_value("2019-06-21T03:33:30Z")
    expect(lead.locator("#lanes a.entry[data-id='bcom-8841']")).to_have_count(0)
    expect(lead.locator(f"article.factor[data-code='{FACTOR}']")).to_have_count(0)
    assert "known_at=2019-06-21T03%3A33%3A30Z" in lead.url


def test_a_lead_confirms_the_factor_in_place(lead: Page, server: Served) -> None:
    lead.goto(f"/cases/{OVERBOOKING}")
    card = lead.locator(f"article.factor[data-code='{FACTOR}']")
    rationale = "booking.com sold B-8841 after acknowledging the 10:31 stop-sell"
    card.locator("textarea[name=rationale]").fill(rationale)
    card.get_by_role("button", name="Confirm").click()
    lead.wait_for_url(re.compile(rf"/cases/{OVERBOOKING}#factors$"))
    card = lead.locator(f"article.factor[data-code='{FACTOR}']")
    expect(card.locator(".status")).to_have_text("confirmed")
    confirmed = card.locator(".history li.step-confirmed").last
    expect(confirmed).to_contain_text("lead-1")
    expect(confirmed).to_contain_text("(lead)")
    expect(confirmed).to_contain_text(rationale)
    screenshot(lead, "case-overbooking-confirmed")
    [factor] = [f for f in api(server, f"/v1/cases/{OVERBOOKING}").json()["factors"] if f["code"] == FACTOR]
    assert factor["status"] == "confirmed"
    assert factor["decided_by"] == "lead-1"
    assert factor["rationale"] == rationale


def test_the_auditor_sees_no_controls_and_the_server_refuses_them(auditor: Page, server: Served) -> None:
    auditor.goto(f"/cases/{OVERBOOKING}")
    expect(auditor.locator(f"article.factor[data-code='{FACTOR}']")).to_have_count(1)
    expect(auditor.locator("form.decision")).to_have_count(0)
    expect(auditor.locator("#add-factor")).to_have_count(0)
    expect(auditor.locator("textarea, button:has-text('Confirm'), button:has-text('Reject')")).to_have_count(0)
    expect(auditor.locator("#evidence-pack")).to_be_visible()
    screenshot(auditor, "case-overbooking-auditor")
    before = api(server, f"/v1/cases/{OVERBOOKING}", "auditor").json()["timeline"]
    # A decision forged with the auditor's cookie, from the server's own origin.
    forged = auditor.request.post(f"{server.url}/cases/{OVERBOOKING}/factors/{FACTOR}/reject",
                                  form={"rationale": "forged", "department": "ota_partner", "subject": "B-8841"},
                                  headers={"Origin": server.url}, max_redirects=0)
    assert forged.status == 403
    assert "auditor" in forged.text()
    assert api(server, f"/v1/cases/{OVERBOOKING}", "auditor").json()["timeline"] == before


def test_the_auditor_downloads_the_evidence_pack(auditor: Page) -> None:
    auditor.goto(f"/cases/{OVERBOOKING}")
    expect(auditor.locator("#chain-status")).to_contain_text("verifies")
    with auditor.expect_download() as download:
        auditor.click("#evidence-pack")
    text = download.value.path().read_text(encoding="utf-8")
    assert OVERBOOKING in text
    assert "bcom-8841" in text


def test_twenty_contacts_effort_strip(lead: Page) -> None:
    lead.goto(f"/cases/{TWENTY_CONTACTS}")
    effort = lead.locator("#effort")
    expect(effort.locator("[data-effort=contacts]")).to_have_text("20")
    expect(effort.locator("[data-effort=escalation]")).to_have_text("executive")
    expect(effort.locator("[data-effort=transfers]")).to_have_text("10")
    expect(effort.locator("[data-effort=hold]")).to_have_text("1 h 11 min")
    assert set(lanes(lead)) >= {"customer_service", "billing", "technical_support"}
    screenshot(lead, "case-twenty-contacts")


def test_markup_in_an_event_shows_as_text(lead: Page) -> None:
    lead.goto("/cases/XSS-1")
    expect(lead).to_have_title(re.compile("XSS-1"))  # the script never ran
    row = lead.locator("table.timeline tbody tr").first
    expect(row).to_contain_text("<script>document.title='owned'</script> guest wrote <b>bold</b>")
    expect(row).to_contain_text("<img src=x onerror=alert(2)>")
    assert lead.locator("main b").count() == 0
    assert lead.locator("main img").count() == 0
    assert lead.locator("script").count() == 1  # the page's own time-travel script only
    assert "<script>document" not in lead.content().replace("&lt;script&gt;", "")


def test_the_case_list_newest_first_with_whole_refs(lead: Page, server: Served) -> None:
    lead.goto("/")
    refs = lead.locator("#cases td.ref a").all_text_contents()
    expected = [c["case_ref"] for c in reversed(api(server, "/v1/cases?limit=500").json()["items"])]
    assert refs == expected
    lead.select_option("select[name=status]", "open")
    lead.fill("input[name=category]", "overbooking")
    lead.click("form.filters button[type=submit]")
    expect(lead.locator("#cases td.ref a")).to_have_text([OVERBOOKING])
    lead.click(f"text={OVERBOOKING}")
    lead.wait_for_url(re.compile(rf"/cases/{OVERBOOKING}$"))
    lead.goto("/")
    screenshot(lead, "case-list")


def test_the_case_list_pages_through_every_case_once(lead: Page, server: Served) -> None:
    expected = [c["case_ref"] for c in reversed(api(server, "/v1/cases?limit=500").json()["items"])]
    lead.goto("/?limit=20")
    seen: list[str] = []
    while True:
        page = lead.locator("#cases td.ref a").all_text_contents()
        assert 0 < len(page) <= 20
        seen += page
        older = lead.locator("a[rel=next]")
        if older.count() == 0:
            break
        with lead.expect_navigation():
            older.click()
    assert seen == expected


def test_a_lead_adds_a_factor_with_its_evidence(lead: Page, server: Served) -> None:
    case = "PAY-28E30C077D"
    lead.goto(f"/cases/{case}")
    lead.click("#add-factor summary")
    form = lead.locator("#add-factor form")
    form.locator("input[name=code]").fill("card_declined_unexplained")
    form.locator("input[name=department]").fill("ecommerce")
    form.locator("textarea[name=explanation]").fill("the checkout never said why the card was declined")
    form.locator("select[name=evidence]").select_option(["web:checkout#pay-1", "web:checkout#pay-3"])
    form.get_by_role("button", name="Add the factor").click()
    lead.wait_for_url(re.compile(rf"/cases/{case}#factors$"))
    card = lead.locator("article.factor[data-code='card_declined_unexplained']")
    expect(card.locator(".status")).to_have_text("confirmed")
    expect(card.locator(".history li.step-added")).to_contain_text("lead-1")
    expect(card.locator(".evidence-list li")).to_have_text(["web:checkout#pay-1", "web:checkout#pay-3"])
    [added] = [f for f in api(server, f"/v1/cases/{case}").json()["factors"] if f["code"] == "card_declined_unexplained"]
    assert added["proposed_by"] == "lead-1" and added["department"] == "ecommerce"
    assert added["evidence"] == [{"source": "web:checkout", "id": "pay-1"}, {"source": "web:checkout", "id": "pay-3"}]


def test_everything_but_the_sliders_works_without_javascript(browser: Browser, server: Served) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#token", TOKENS["lead"])
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    page.goto(f"/cases/{OVERBOOKING}")
    expect(page.locator(".slider")).to_have_count(2)
    expect(page.locator(".slider").first).to_be_hidden()  # shown by the script only
    page.locator(f"article.factor[data-code='{FACTOR}']").get_by_role("link", name="Show its evidence on the lanes").click()
    assert highlighted(page) == EVIDENCE
    page.fill("#known_at", KNOWN_BEFORE_THE_SALE)
    page.click("#time-travel button[type=submit]")
    page.wait_for_url(re.compile(r"known_at="))
    expect(page.locator("#lanes a.entry[data-id='bcom-8841']")).to_have_count(0)
    page.goto("/reports/top-issues?from=2024-06-01&to=2024-06-30")
    page.locator("#chart a.figure.bar").first.click()
    page.wait_for_url(re.compile(r"counted=opened"))
    expect(page.locator("#case-count")).to_have_text("9 cases, newest first.")
    context.close()
