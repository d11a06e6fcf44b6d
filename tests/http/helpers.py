"""Posting the samples and finding what they made, for the HTTP tests."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from tests.conftest import lines_of
from tests.http.conftest import bearer

BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"
OVERBOOKING = "01-overbooking-after-stop-sell.jsonl"


def post_batch(client: TestClient, lines: list[bytes]) -> dict[str, Any]:
    response = client.post("/v1/events", content=b"[" + b",".join(lines) + b"]",
                           headers={**bearer("source"), "content-type": BATCH})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def overbooking_case(client: TestClient) -> dict[str, Any]:
    """Posts the overbooking sample and answers the case its detector opened."""
    assert post_batch(client, lines_of(OVERBOOKING))["accepted"] == 12
    [case] = client.get("/v1/cases", headers=bearer("lead")).json()["items"]
    report: dict[str, Any] = client.get(f"/v1/cases/{case['case_ref']}", headers=bearer("lead")).json()
    return report


def event(line: bytes) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(line)
    return document
