"""Posting the samples and finding what they made, for the HTTP tests."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
from fastapi.testclient import TestClient

from tests.conftest import lines_of
from tests.http.conftest import bearer

BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"
OVERBOOKING = "01-overbooking-after-stop-sell.jsonl"


def post_batch(client: TestClient, lines: list[bytes]) -> dict[str, Any]:
    """Posts the lines as one batch, and waits until the cases and reports include them."""
    response = client.post("/v1/events", content=b"[" + b",".join(lines) + b"]",
                           headers={**bearer("source"), "content-type": BATCH})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    settle(client)
    return result


def settle(client: TestClient | httpx.Client, timeout_s: float = 60) -> None:
    """Wait until the server's views and detectors have caught up with everything stored: a post
    answers once its events are stored, and the cases and reports follow a moment later."""
    deadline = time.monotonic() + timeout_s
    while (lag := client.get("/readyz").json()["lag"]) > 0:
        assert time.monotonic() < deadline, f"the views are still {lag} positions behind the log"
        time.sleep(0.05)


def overbooking_case(client: TestClient) -> dict[str, Any]:
    """Posts the overbooking sample and answers the case its detector opened."""
    assert post_batch(client, lines_of(OVERBOOKING))["accepted"] == 12
    [case] = client.get("/v1/cases", headers=bearer("lead")).json()["items"]
    report: dict[str, Any] = client.get(f"/v1/cases/{case['case_ref']}", headers=bearer("lead")).json()
    return report


def event(line: bytes) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(line)
    return document
