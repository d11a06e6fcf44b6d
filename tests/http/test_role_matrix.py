"""http-v1's role table, route by route: every role, a token no one configured, and no token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import ROLES, ROUTE_ROLES, load_api_settings
from casetrail.adapters.settings import Settings
from tests.conftest import lines_of
from tests.http.conftest import bearer
from tests.http.helpers import BATCH, OVERBOOKING, overbooking_case

# A body each route takes, so that an allowed role meets the domain, not a bad request.
BODIES: dict[str, dict[str, Any]] = {
    "confirm": {"rationale": "the OTA kept selling after the stop-sell"},
    "reject": {"rationale": "not the OTA's doing"},
    "factors": {"code": "late_arrival_not_flagged", "department": "front_office",
                "explanation": "no one flagged it", "evidence": ["pms:seaside#fo-311"]},
    "assign": {"department": "front_office", "agent": "dewi"},
    "escalate": {"level": "manager"},
    "resolve": {"resolution": "guest relocated and compensated"},
    "reopen": {"reason": "the guest wrote again"},
    "close": {},
    "erase": {"reason": "erasure request R-77"},
    "checkpoints": {},
}


@pytest.fixture
def sqlite_client(sqlite_url: str, config_path: Path) -> Any:
    settings = Settings(database_url=sqlite_url, config_path=str(config_path))
    with TestClient(create_app(settings, load_api_settings(str(config_path)))) as running:
        yield running


def test_every_v1_route_is_in_the_role_table(sqlite_client: TestClient) -> None:
    paths = sqlite_client.get("/v1/openapi.json").json()["paths"]
    served = {(method.upper(), path) for path, operations in paths.items() if path.startswith("/v1/")
              for method in operations}
    assert served == set(ROUTE_ROLES)


def test_the_role_table_holds_for_every_route_role_and_missing_token(sqlite_client: TestClient) -> None:
    case = overbooking_case(sqlite_client)
    values = {"case": case["case_ref"], "code": case["factors"][0]["code"], "name": "weekly", "party": "guest-17"}
    answered: dict[tuple[str, str, str], int] = {}
    for (method, template), allowed in ROUTE_ROLES.items():
        path = template.format(**values)
        last = path.rsplit("/", 1)[-1]
        for role in [*ROLES, "no token", "unknown token"]:
            headers = (bearer(role) if role in ROLES else
                       {"Authorization": "Bearer not-a-configured-token"} if role == "unknown token" else {})
            if template == "/v1/events" and method == "POST":
                response = sqlite_client.post(path, content=b"[" + lines_of(OVERBOOKING)[0] + b"]",
                                              headers={**headers, "content-type": BATCH})
            elif method == "POST":
                response = sqlite_client.post(path, json=BODIES[last], headers=headers)
            else:
                response = sqlite_client.get(path, headers=headers)
            answered[(method, template, role)] = status = response.status_code
            if role in ("no token", "unknown token"):
                assert status == 401, (method, template, role, response.text)
                assert "token" in response.json()["detail"]
                assert response.headers["www-authenticate"].startswith("Bearer")
            elif role in allowed:
                # Allowed: done, or refused by the domain (a case already closed cannot be resolved).
                assert status == 200 or status in (404, 409, 422), (method, template, role, response.text)
            else:
                assert status == 403, (method, template, role, response.text)
                assert response.headers["content-type"] == "application/problem+json"
    assert len(answered) == len(ROUTE_ROLES) * (len(ROLES) + 2)
    assert sum(status == 200 for status in answered.values()) >= sum(len(roles) for roles in ROUTE_ROLES.values()) - 4
