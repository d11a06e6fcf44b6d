"""Each page has the roles of the /v1/ route it shows or acts through, for every role, by cookie and by bearer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import ROLES, ROUTE_ROLES, load_api_settings
from casetrail.adapters.http.pages.access import PAGE_ROUTES, SIGN_IN_COOKIE, page_roles
from casetrail.adapters.settings import Settings
from tests.http.conftest import TOKENS, write_config
from tests.http.helpers import overbooking_case


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Any:
    config_path = write_config(tmp_path / "casetrail.toml")
    settings = Settings(database_url=sqlite_url, config_path=str(config_path))
    with TestClient(create_app(settings, load_api_settings(str(config_path)))) as running:
        yield running


def test_every_page_has_its_api_routes_roles_and_stays_out_of_the_openapi_document(client: TestClient) -> None:
    for page, api_route in PAGE_ROUTES.items():
        assert page_roles(*page) == ROUTE_ROLES[api_route]
    assert all(not path.startswith("/v1/") for _, path in PAGE_ROUTES)
    documented = client.get("/v1/openapi.json").json()["paths"]
    assert all(path.startswith("/v1/") or path in ("/healthz", "/readyz", "/metrics") for path in documented)


def test_the_page_roles_hold_by_cookie_and_by_bearer(client: TestClient) -> None:
    case = overbooking_case(client)
    values = {"case": case["case_ref"], "code": case["factors"][0]["code"], "name": "weekly"}
    for method, template in PAGE_ROUTES:
        path = template.format(**values)
        allowed = page_roles(method, template)
        for role in ROLES:
            for by_cookie in (True, False):
                client.cookies.clear()
                headers = {}
                if by_cookie:
                    client.cookies.set(SIGN_IN_COOKIE, TOKENS[role])
                else:
                    headers["Authorization"] = f"Bearer {TOKENS[role]}"
                if method == "POST":
                    # No csrf token: an allowed role by cookie meets the forgery check (403), by bearer the form.
                    response = client.post(path, data={"rationale": "checked"},
                                           headers={**headers, "Origin": str(client.base_url)}, follow_redirects=False)
                else:
                    response = client.get(path, headers=headers, follow_redirects=False)
                if role not in allowed:
                    assert response.status_code == 403, (method, template, role, by_cookie)
                    assert f"role {role}" in response.text
                elif method == "POST" and by_cookie:
                    assert response.status_code == 403 and "csrf token" in response.text, (template, role)
                else:
                    assert response.status_code in (200, 303, 400, 422, 503), (method, template, role, response.text)
        client.cookies.clear()
        unsigned = client.request(method, path, follow_redirects=False)
        assert unsigned.status_code == 303, (method, template)
        assert unsigned.headers["location"].startswith("/sign-in?next=")


def test_signing_in_sends_the_browser_only_to_a_page_of_this_server(client: TestClient) -> None:
    form = client.get("/sign-in").text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    origin = {"Origin": str(client.base_url)}
    for asked, sent_to in [("/cases/X?as_of=1", "/cases/X?as_of=1"), ("//elsewhere.example/", "/"),
                           ("https://elsewhere.example/", "/"), ("/\\elsewhere.example", "/")]:
        answer = client.post("/sign-in", data={"token": TOKENS["lead"], "csrf": csrf, "next": asked}, headers=origin,
                             follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == sent_to, asked
    foreign = client.post("/sign-in", data={"token": TOKENS["lead"], "csrf": csrf},
                          headers={"Origin": "http://elsewhere.example"}, follow_redirects=False)
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
