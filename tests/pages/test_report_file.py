"""``casetrail report NAME --html FILE``: the report's page as one file that needs nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Request, Route

from tests.http.served import Served
from tests.pages.conftest import screenshot
from tests.pages.test_report_pages import TOP_ISSUES
from tests.test_cli import casetrail


def test_the_top_issues_file_stands_alone(browser: Browser, server: Served, tmp_path: Path) -> None:
    written = tmp_path / "top-issues.html"
    result = casetrail("--database", server.database_url, "report", "top-issues", "--from", "2024-06-01",
                       "--to", "2024-06-30", "--html", str(written))
    assert result.returncode == 0, result.stderr
    assert "top-issues report written to" in result.stdout
    text = written.read_text(encoding="utf-8")
    assert "<style>" in text and "<script" not in text
    assert re.findall(r'(?:href|src)="([^"#][^"]*)"', text) == []  # no link out, no asset fetched
    fetched: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def refuse(route: Route, request: Request) -> None:
        if not request.url.startswith("file:"):
            fetched.append(request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse)
    page.goto(written.as_uri())
    assert page.locator("#chart rect.bar").evaluate_all("bars => bars.map(b => b.dataset.key)") == [
        c for c, _ in TOP_ISSUES]
    assert page.locator("#chart a").count() == 0  # no server to list the cases behind a figure
    assert page.evaluate("getComputedStyle(document.querySelector('.top')).backgroundColor") == "rgb(16, 50, 74)"
    assert fetched == []
    screenshot(page, "report-top-issues-file")
    page.close()


def test_a_file_that_cannot_be_written_is_one_line(server: Served, tmp_path: Path) -> None:
    result = casetrail("--database", server.database_url, "report", "weekly", "--html",
                       str(tmp_path / "missing" / "weekly.html"))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("weekly.html: No such file or directory")
    assert len(result.stderr.strip().splitlines()) == 1
