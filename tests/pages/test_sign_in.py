"""Signing in and out in Chromium, the cookie's guarantees, and forged forms refused."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, Route, expect

from tests.http.conftest import TOKENS
from tests.http.served import Served, free_port
from tests.pages.conftest import OVERBOOKING, api, screenshot

FACTOR = "stop_sell_not_honoured"


def test_sign_in_keeps_the_token_in_an_httponly_strict_session_cookie(browser: Browser, server: Served) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"/cases/{OVERBOOKING}")
    page.wait_for_url(re.compile(r"/sign-in\?next="))  # no cookie yet: the form, then back to the case
    screenshot(page, "sign-in")
    page.fill("#token", "not-a-token")
    page.click("form[action='/sign-in'] button[type=submit]")
    expect(page.locator(".problem")).to_contain_text("not a token this server knows")
    page.fill("#token", TOKENS["lead"])
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{server.url}/cases/{OVERBOOKING}")
    expect(page.locator(".who")).to_contain_text("lead-1")
    [cookie] = context.cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["expires"] == -1  # a session cookie
    assert page.evaluate("document.cookie") == ""  # no script of a page can read it
    visited = page.evaluate("performance.getEntriesByType('navigation').map(e => e.name)") + [page.url]
    assert not any(TOKENS["lead"] in url for url in visited)
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/sign-in$"))
    assert context.cookies() == []
    page.goto("/")
    page.wait_for_url(re.compile(r"/sign-in\?next=%2F$"))
    context.close()


def test_a_bearer_token_opens_the_pages_too(server: Served) -> None:
    answer = api(server, f"/cases/{OVERBOOKING}")
    assert answer.status_code == 200
    assert "stop_sell_not_honoured" in answer.text
    assert httpx.get(f"{server.url}/cases/{OVERBOOKING}", headers={"Authorization": "Bearer nope"}).status_code == 303
    assert api(server, f"/cases/{OVERBOOKING}", "source").status_code == 403


def _history(server: Served) -> list[dict[str, str]]:
    return [e for e in api(server, f"/v1/cases/{OVERBOOKING}").json()["timeline"] if "factor_" in e["type"]]


def test_a_form_posted_from_another_origin_is_refused(lead: Page, server: Served) -> None:
    """Another port of the same host is the same site: the Strict cookie goes along, the Origin check refuses."""
    before = _history(server)
    forger = f"http://127.0.0.1:{free_port()}"
    target = f"{server.url}/cases/{OVERBOOKING}/factors/{FACTOR}/reject"

    def forged_page(route: Route) -> None:
        route.fulfill(content_type="text/html", body=(
            f'<form id="f" method="post" action="{target}"><input name="rationale" value="forged">'
            '<input name="department" value="ota_partner"><input name="subject" value="B-8841"></form>'
            '<script>document.getElementById("f").submit()</script>'))

    lead.route(f"{forger}/**", forged_page)
    with lead.expect_response(target) as answered:
        lead.goto(f"{forger}/prize")
    assert answered.value.status == 403
    expect(lead.locator(".problem")).to_contain_text("not from this server's own pages")
    assert _history(server) == before


def test_a_form_without_its_csrf_token_is_refused(lead: Page, server: Served) -> None:
    before = _history(server)
    target = f"{server.url}/cases/{OVERBOOKING}/factors/{FACTOR}/reject"
    fields = {"rationale": "no token", "department": "ota_partner", "subject": "B-8841"}
    refused = lead.request.post(target, form=fields, headers={"Origin": server.url}, max_redirects=0)
    assert refused.status == 403
    assert "csrf token" in refused.text()
    wrong = lead.request.post(target, form={**fields, "csrf": "0" * 64}, headers={"Origin": server.url},
                              max_redirects=0)
    assert wrong.status == 403
    assert _history(server) == before
