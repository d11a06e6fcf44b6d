"""Erasure and personal data over HTTP: only an admin erases, recorded as the token's name; dashboards
never read a party's personal text."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import lines_of
from tests.http.conftest import bearer
from tests.http.helpers import post_batch

TWENTY_CONTACTS = "04-twenty-contacts-nine-weeks.jsonl"
PARTY, TOPIC = "cust-3307", "double charge on account"


def _case_ref(client: TestClient) -> str:
    assert post_batch(client, lines_of(TWENTY_CONTACTS))["accepted"] == len(lines_of(TWENTY_CONTACTS))
    [case] = [c for c in client.get("/v1/cases", headers=bearer("lead")).json()["items"]
              if c["category"] == "service_complaint"]
    return str(case["case_ref"])


def _summaries(client: TestClient, case_ref: str, role: str) -> str:
    response = client.get(f"/v1/cases/{case_ref}", headers=bearer(role))
    assert response.status_code == 200, response.text
    return "\n".join(entry["summary"] for entry in response.json()["timeline"])


def _exported_topics(client: TestClient, role: str) -> list[str]:
    response = client.get("/v1/events", params={"limit": 1000}, headers=bearer(role))
    assert response.status_code == 200, response.text
    return [item["data"]["topic"] for item in response.json()["items"] if item["data"].get("topic")]


def test_a_dashboard_never_reads_personal_text_and_the_others_do(client: TestClient) -> None:
    case_ref = _case_ref(client)
    for role in ("lead", "agent", "auditor"):
        assert f"from {PARTY}: {TOPIC}" in _summaries(client, case_ref, role)
    shown = _summaries(client, case_ref, "dashboard")
    assert TOPIC not in shown and f"from {PARTY}: [withheld]" in shown
    assert set(_exported_topics(client, "auditor")) >= {TOPIC}
    assert set(_exported_topics(client, "dashboard")) == {"[withheld]"}


def test_an_admin_erases_a_party_recorded_with_the_tokens_name(client: TestClient) -> None:
    case_ref = _case_ref(client)
    refused = client.post(f"/v1/parties/{PARTY}/erase", json={"reason": "R-77"}, headers=bearer("lead"))
    assert refused.status_code == 403
    assert TOPIC in _summaries(client, case_ref, "lead")

    done = client.post(f"/v1/parties/{PARTY}/erase", json={"reason": "erasure request R-77"}, headers=bearer("admin"))

    assert done.status_code == 200, done.text
    assert done.json() == {"party_ref": PARTY, "first_time": True, "purged_rejects": 0, "rewritten_entries": 20, "compacted": True}
    assert TOPIC not in _summaries(client, case_ref, "auditor")
    assert set(_exported_topics(client, "auditor")) == {"[erased]"}
    report = client.get(f"/v1/cases/{case_ref}", headers=bearer("auditor")).json()
    assert report["subjects"]["erased_party_refs"] == [PARTY]
    rows = client.app.state.live.using(lambda system: system.view_store.query(  # type: ignore[attr-defined]
        "SELECT actor, role FROM timeline_entries WHERE type = 'party.erased'"))
    assert rows == [("admin-1", "admin")]
    missing_reason = client.post(f"/v1/parties/{PARTY}/erase", json={}, headers=bearer("admin"))
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["detail"]
