"""Every route of http-v1 in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from casetrail.adapters.config_file import ConfigError
from casetrail.adapters.http.auth import load_api_settings
from tests.conftest import all_scenario_lines, lines_of
from tests.http.conftest import TOKENS, bearer
from tests.http.helpers import BATCH, OVERBOOKING, STRUCTURED, event, overbooking_case, post_batch

LEAD, AUDITOR, SOURCE = bearer("lead"), bearer("auditor"), bearer("source")


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "alive"}
    post_batch(client, lines_of(OVERBOOKING))
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "lag": 0, "max_lag": 1000}
    metrics = client.get("/metrics").text
    assert 'casetrail_http_events_total{outcome="accepted"} 12.0' in metrics
    assert 'casetrail_http_requests_total{method="POST",route="/v1/events",status="200"} 1.0' in metrics
    assert "casetrail_view_lag_positions 0.0" in metrics


def test_events_in_each_mode_with_duplicates_and_rejects(client: TestClient) -> None:
    lines = lines_of(OVERBOOKING)
    structured = client.post("/v1/events", content=lines[0], headers={**SOURCE, "content-type": STRUCTURED})
    assert structured.json() == {"accepted": 1, "duplicates": 0, "rejected": 0, "rejects": []}

    first = event(lines[1])
    data = orjson.dumps(first.pop("data"))
    binary = client.post("/v1/events", content=data, headers={
        **SOURCE, "content-type": "application/json",
        **{f"ce-{name}": str(value) for name, value in first.items()}})
    assert binary.json()["accepted"] == 1
    # The same event in structured mode is the same input: a duplicate, not a conflict.
    again = client.post("/v1/events", content=lines[1], headers={**SOURCE, "content-type": STRUCTURED})
    assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": 0, "rejects": []}

    bad = orjson.dumps({**event(lines[2]), "id": "x-1", "time": "2019-06-21T10:31:00"})
    batch = client.post("/v1/events", content=b"[" + b",".join([lines[0], bad, b'"text"', *lines[2:]]) + b"]",
                        headers={**SOURCE, "content-type": BATCH})
    result = batch.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (10, 1, 2)
    assert [r["index"] for r in result["rejects"]] == [1, 2]
    assert "time" in result["rejects"][0]["reason"]
    # The rejects are kept with their reasons, as from casetrail ingest.
    kept = client.get("/v1/rejects", headers=AUDITOR).json()["items"]
    assert [orjson.loads(r["raw"]) for r in kept] == [orjson.loads(bad), "text"]
    assert kept[0]["entrance"].startswith("http:source-1:") and kept[0]["entrance"].endswith(":1")


def test_bodies_over_the_limit_store_nothing_and_other_content_types_are_refused(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    body = b"[" + b",".join(lines_of(OVERBOOKING)) + b"]"
    limit = client.app.state.api.max_body_bytes  # type: ignore[attr-defined]
    padded = body + b" " * (limit - len(body) + 1)
    declared = client.post("/v1/events", content=padded, headers={**SOURCE, "content-type": BATCH})
    assert declared.status_code == 413 and declared.json()["parameter"] == "body"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for start in range(0, len(padded), 1 << 16):
            yield padded[start:start + (1 << 16)]

    streamed = client.post("/v1/events", content=chunks(), headers={**SOURCE, "content-type": BATCH})
    assert streamed.status_code == 413
    unsupported = client.post("/v1/events", content=body, headers={**SOURCE, "content-type": "text/csv"})
    assert unsupported.status_code == 415 and "content-type" in unsupported.json()["detail"]
    not_array = client.post("/v1/events", content=lines_of(OVERBOOKING)[0], headers={**SOURCE, "content-type": BATCH})
    assert not_array.status_code == 400 and "JSON array" in not_array.json()["detail"]
    assert client.get("/v1/events", headers=AUDITOR).json()["items"] == []
    assert client.get("/v1/rejects", headers=AUDITOR).json()["items"] == []


def test_cases_pages_filters_and_bad_parameters(client: TestClient) -> None:
    post_batch(client, all_scenario_lines())
    every = client.get("/v1/cases", headers=LEAD).json()
    assert every["next_cursor"] is None and len(every["items"]) >= 5
    paged, cursor = [], None
    while True:
        page = client.get("/v1/cases", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=LEAD).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == every["items"]
    overbooking = client.get("/v1/cases", params={"category": "overbooking"}, headers=LEAD).json()["items"]
    assert overbooking and all(c["category"] == "overbooking" for c in overbooking)
    first = every["items"][0]["opened_at"]
    opened = client.get("/v1/cases", params={"opened_to": first}, headers=LEAD).json()["items"]
    assert [c["opened_at"] for c in opened] == [first]
    for params, name in [({"limit": 501}, "limit"), ({"cursor": "nonsense"}, "cursor"),
                         ({"status": "lost"}, "status"), ({"opened_from": "2019-06-21"}, "opened_from")]:
        refused = client.get("/v1/cases", params=params, headers=LEAD)
        assert refused.status_code == 400 and refused.json()["parameter"] == name, refused.text
        assert refused.json()["detail"].startswith(f"{name}: ")


def test_case_report_by_ref_or_id_at_a_moment(client: TestClient) -> None:
    case = overbooking_case(client)
    by_id = client.get(f"/v1/cases/{case['case_id']}", headers=bearer("agent")).json()
    assert by_id == case
    before = client.get(f"/v1/cases/{case['case_ref']}", params={"as_of": "2019-06-19T00:00:00+07:00"},
                        headers=AUDITOR).json()
    assert before["status"] == "not_opened" and len(before["timeline"]) < len(case["timeline"])
    bad = client.get(f"/v1/cases/{case['case_ref']}", params={"known_at": "yesterday"}, headers=AUDITOR)
    assert bad.status_code == 400 and bad.json()["parameter"] == "known_at"
    missing = client.get("/v1/cases/NO-SUCH-CASE", headers=AUDITOR)
    assert missing.status_code == 404 and "no such case" in missing.json()["detail"]


def test_an_evidence_pack_over_http_holds_offline(client: TestClient) -> None:
    from casetrail.services.evidence_packs import check_pack

    case = overbooking_case(client)
    answered = client.get(f"/v1/cases/{case['case_ref']}/evidence-pack", headers=AUDITOR)
    assert answered.status_code == 200 and answered.headers["content-type"].startswith("text/html")
    document, proven = check_pack(answered.text)
    assert document["case"]["case_ref"] == case["case_ref"] and proven >= len(case["timeline"])
    missing = client.get("/v1/cases/NO-SUCH-CASE/evidence-pack", headers=AUDITOR)
    assert missing.status_code == 404


def test_reports_and_their_parameters(client: TestClient) -> None:
    post_batch(client, all_scenario_lines())
    weekly = client.get("/v1/reports/weekly", params={"tz": "Asia/Jakarta"}, headers=bearer("dashboard")).json()
    assert weekly["report"] == "weekly" and weekly["tz"] == "Asia/Jakarta" and weekly["periods"]
    top = client.get("/v1/reports/top-issues", params={"from": "2019-01-01", "to": "2019-12-31", "top": 2},
                     headers=LEAD).json()
    assert len(top["top"]) <= 2
    for params, name in [({"tz": "Mars/Olympus"}, "tz"), ({"from": "2019-13-01"}, "from"),
                         ({"from": "2019-06-02", "to": "2019-06-01"}, "to"),
                         # One date given, the other taken from the cases, on the wrong side of it.
                         ({"to": "2000-01-01"}, "to"), ({"from": "2100-01-01"}, "from")]:
        refused = client.get("/v1/reports/monthly", params=params, headers=LEAD)
        assert refused.status_code == 400 and refused.json()["parameter"] == name, refused.text
    assert client.get("/v1/reports/yearly", headers=LEAD).status_code == 400


def test_rejects_come_in_pages(client: TestClient) -> None:
    bad = [orjson.dumps({"specversion": "1.0", "id": f"bad-{n}"}) for n in range(5)]
    post_batch(client, bad)
    first = client.get("/v1/rejects", params={"limit": 3}, headers=AUDITOR).json()
    second = client.get("/v1/rejects", params={"limit": 3, "cursor": first["next_cursor"]}, headers=AUDITOR).json()
    assert second["next_cursor"] is None
    assert [orjson.loads(r["raw"])["id"] for r in first["items"] + second["items"]] == [f"bad-{n}" for n in range(5)]


def test_event_export_after_a_position(client: TestClient) -> None:
    post_batch(client, lines_of(OVERBOOKING))
    exported, after = [], 0
    while True:
        page = client.get("/v1/events", params={"after": after, "limit": 5}, headers=bearer("dashboard")).json()
        if not page["items"]:
            assert page["next_after"] == after
            break
        exported += page["items"]
        after = page["next_after"]
    positions = [e["position"] for e in exported]
    assert positions == sorted(positions) and after == positions[-1]
    assert {e["originid"] for e in exported} >= {event(line)["id"] for line in lines_of(OVERBOOKING)}
    assert all(e["specversion"] == "1.0" and e["source"] == "casetrail" for e in exported)
    assert client.get("/v1/events", params={"limit": 1001}, headers=AUDITOR).status_code == 400


def test_writes_record_the_token_as_actor_and_the_domain_refuses(client: TestClient) -> None:
    case = overbooking_case(client)
    ref, code = case["case_ref"], case["factors"][0]["code"]
    confirmed = client.post(f"/v1/cases/{ref}/factors/{code}/confirm", json={"rationale": "the OTA sold on"},
                            headers=LEAD)
    assert confirmed.status_code == 200, confirmed.text
    factor = next(f for f in confirmed.json()["factors"] if f["code"] == code)
    assert factor["status"] == "confirmed" and factor["decided_by"] == "lead-1"
    added = client.post(f"/v1/cases/{ref}/factors", headers=LEAD, json={
        "code": "no_walk_in_check", "department": "front_office", "explanation": "no one checked",
        "evidence": ["pms:seaside#inv-0621"]})
    assert any(f["code"] == "no_walk_in_check" for f in added.json()["factors"])
    bad_evidence = client.post(f"/v1/cases/{ref}/factors", headers=LEAD, json={
        "code": "x", "department": "front_office", "explanation": "e", "evidence": ["no-hash"]})
    assert bad_evidence.status_code == 400 and bad_evidence.json()["parameter"] == "evidence"
    twice = client.post(f"/v1/cases/{ref}/factors", headers=LEAD, json={
        "code": "no_walk_in_check", "department": "front_office", "explanation": "again",
        "evidence": ["pms:seaside#inv-0621"]})
    assert twice.status_code == 422 and "already has" in twice.json()["detail"]

    agent = bearer("agent")
    assert client.post(f"/v1/cases/{ref}/assign", json={"department": "front_office"}, headers=agent).status_code == 200
    level = client.post(f"/v1/cases/{ref}/escalate", json={"level": "galactic"}, headers=agent)
    assert level.status_code == 422 and "escalation level" in level.json()["detail"]
    resolved = client.post(f"/v1/cases/{ref}/resolve", json={"resolution": "relocated"}, headers=agent)
    assert resolved.json()["status"] == "resolved"
    assert client.post(f"/v1/cases/{ref}/close", headers=LEAD).json()["status"] == "closed"
    refused = client.post(f"/v1/cases/{ref}/resolve", json={"resolution": "again"}, headers=agent)
    assert refused.status_code == 409 and ref in refused.json()["detail"]
    assert client.post(f"/v1/cases/{ref}/reopen", json={"reason": "wrote again"}, headers=LEAD).status_code == 200
    unknown_field = client.post(f"/v1/cases/{ref}/assign", json={"dept": "x"}, headers=agent)
    assert unknown_field.status_code == 400 and unknown_field.json()["parameter"].startswith("body.")
    missing = client.post("/v1/cases/NO-SUCH/close", headers=LEAD)
    assert missing.status_code == 404

    exported = client.get("/v1/events", params={"limit": 1000}, headers=AUDITOR).json()["items"]
    changes = {e["type"]: e for e in exported if e["type"] in ("case.assigned", "case.closed", "case.resolved")}
    assert (changes["case.assigned"]["actor"], changes["case.assigned"]["actorrole"]) == ("agent-1", "agent")
    assert (changes["case.closed"]["actor"], changes["case.closed"]["actorrole"]) == ("lead-1", "lead")


def test_api_settings_name_the_bad_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[api.tokens]]\nname = "lead-7"\nrole = "boss"\nsha256 = "' + "0" * 64 + '"\n')
    with pytest.raises(ConfigError, match=r"line 3: api\.tokens\.0\.role"):
        load_api_settings(str(path))
    digest = hashlib.sha256(TOKENS["lead"].encode()).hexdigest()
    path.write_text("".join(f'[[api.tokens]]\nname = "{n}"\nrole = "lead"\nsha256 = "{digest}"\n' for n in "ab"))
    with pytest.raises(ConfigError, match="same sha256"):
        load_api_settings(str(path))


def test_the_case_list_follows_what_is_stored_after_it_was_listed(client: TestClient) -> None:
    post_batch(client, lines_of(OVERBOOKING))
    assert len(client.get("/v1/cases", headers=LEAD).json()["items"]) == 1
    post_batch(client, lines_of("02-proactive-payment-rescue.jsonl"))
    assert len(client.get("/v1/cases", headers=LEAD).json()["items"]) == 2
