"""The pages in a real browser: Debian's Chromium driven by Playwright, against a real ``casetrail serve``
holding the five samples (and one hostile event), with a token of each role.

One server and one browser for the whole run; each test signs in a context (cookie jar) of its own.
Under CI=true a missing Chromium fails the run: these tests never skip there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.conftest import SCENARIOS, inputs, lines_of
from tests.http.conftest import TOKENS, write_config
from tests.http.served import Served

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "build" / "screenshots"
OVERBOOKING = "OVB-BEF6607987"
TWENTY_CONTACTS = "SVC-4E6EF15290"
# An event whose text is markup: the pages must show it as text.
HOSTILE = ('{"specversion": "1.0", "id": "xss-1", "source": "helpdesk:zendesk", "type": "case.opened", '
           '"time": "2020-01-06T09:00:00Z", "actor": "<img src=x onerror=alert(2)>", "department": "member_service", '
           '"data": {"case_ref": "XSS-1", "category": "website", "party_ref": "member-x", "priority": "normal", '
           '"summary": "<script>document.title=\'owned\'</script> guest wrote <b>bold</b>"}}')


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("pages")
    database = f"sqlite:///{folder / 'casetrail.db'}"
    system = bootstrap(Settings(database_url=database))
    try:
        lines = [line for path in sorted(SCENARIOS.glob("*.jsonl")) for line in lines_of(path.name)]
        # A backfill, as the demo loads them: each event was reported when it happened.
        counts = system.ingestion.ingest(inputs([*lines, HOSTILE.encode()]), backfill=True)
        assert counts.rejected == 0
        system.catch_up()
    finally:
        system.close()
    running = Served(database, write_config(folder / "casetrail.toml"))
    running.start()
    yield running
    assert running.terminate() == 0


def sign_in(browser: Browser, server: Served, role: str) -> BrowserContext:
    """A browser context signed in through the form with the token of ``role``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#token", TOKENS[role])
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    page.close()
    return context


@pytest.fixture(scope="session")
def lead_context(browser: Browser, server: Served) -> Iterator[BrowserContext]:
    context = sign_in(browser, server, "lead")
    yield context
    context.close()


@pytest.fixture(scope="session")
def auditor_context(browser: Browser, server: Served) -> Iterator[BrowserContext]:
    context = sign_in(browser, server, "auditor")
    yield context
    context.close()


@pytest.fixture
def lead(lead_context: BrowserContext) -> Iterator[Page]:
    """A fresh tab of the lead's signed-in browser."""
    page = lead_context.new_page()
    yield page
    page.close()


@pytest.fixture
def auditor(auditor_context: BrowserContext) -> Iterator[Page]:
    page = auditor_context.new_page()
    yield page
    page.close()


def screenshot(page: Page, name: str) -> None:
    """What users see, kept for people to look at (build/screenshots, a CI artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def api(server: Served, path: str, role: str = "lead") -> httpx.Response:
    return httpx.get(server.url + path, headers={"Authorization": f"Bearer {TOKENS[role]}"}, timeout=30)
