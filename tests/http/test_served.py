"""A real ``casetrail serve``: the samples posted over HTTP make what ``casetrail ingest`` makes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import orjson

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.conftest import SCENARIOS, lines_of
from tests.http.conftest import bearer
from tests.http.helpers import BATCH, STRUCTURED, settle
from tests.http.served import served
from tests.test_cli import casetrail

SAMPLES = sorted(p.name for p in SCENARIOS.glob("*.jsonl"))
# How each sample travels: events one by one in structured or binary mode, or in batches.
MODES = dict(zip(SAMPLES, ["structured", "binary", "batch", "batch", "binary"], strict=True))
# Times that say when casetrail received or recorded an event, not what happened: two stores differ in them.
RECEIPT_TIMES = {"reported_at", "recorded_at", "decided_at"}


def post(client: httpx.Client, mode: str, lines: list[bytes]) -> dict[str, int]:
    source = bearer("source")
    if mode == "batch":
        results = [client.post("/v1/events", content=b"[" + b",".join(lines[start:start + 25]) + b"]",
                               headers={**source, "content-type": BATCH}) for start in range(0, len(lines), 25)]
    elif mode == "structured":
        results = [client.post("/v1/events", content=line, headers={**source, "content-type": STRUCTURED})
                   for line in lines]
    else:
        results = []
        for line in lines:
            document = orjson.loads(line)
            data = orjson.dumps(document.pop("data"))
            headers = {f"ce-{name}": str(value) for name, value in document.items()}
            results.append(client.post("/v1/events", content=data,
                                       headers={**source, **headers, "content-type": "application/json"}))
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    for result in results:
        assert result.status_code == 200, result.text
        for name in totals:
            totals[name] += result.json()[name]
    return totals


def without_receipt_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_receipt_times(v) for k, v in value.items() if k not in RECEIPT_TIMES}
    if isinstance(value, list):
        return [without_receipt_times(v) for v in value]
    return value


def case_reports(database_url: str) -> dict[str, Any]:
    """Each case as ``casetrail case REF --json`` prints it (the same query, read in process: one
    command per case would start the interpreter dozens of times)."""
    system = bootstrap(Settings(database_url=database_url))
    try:
        return {case["case_ref"]: without_receipt_times(orjson.loads(orjson.dumps(
            system.cases.case_report(case["case_ref"])))) for case in system.cases.list_cases()}
    finally:
        system.close()


def test_the_samples_over_http_make_the_cases_ingest_makes(database_url: str, second_store: str,
                                                            config_path: Path) -> None:
    ingested = second_store
    result = casetrail("--database", ingested, "ingest", *(str(SCENARIOS / name) for name in SAMPLES), "--json")
    assert result.returncode == 0, result.stderr
    expected = case_reports(ingested)
    assert len(expected) >= 5

    with served(database_url, config_path) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        for name in SAMPLES:
            assert post(client, MODES[name], lines_of(name)) == {
                "accepted": len(lines_of(name)), "duplicates": 0, "rejected": 0}
        # Again, each sample in another mode: every event is a duplicate.
        for name, mode in zip(SAMPLES, ["batch", "structured", "binary", "structured", "batch"], strict=True):
            assert post(client, mode, lines_of(name))["duplicates"] == len(lines_of(name))
        settle(client)
        over_http = {}
        for ref in expected:
            answer = client.get(f"/v1/cases/{ref}", headers=bearer("auditor"))
            assert answer.status_code == 200, answer.text
            over_http[ref] = without_receipt_times(answer.json())
        listed = client.get("/v1/cases", params={"limit": 500}, headers=bearer("dashboard")).json()["items"]
    assert over_http == expected
    assert sorted(c["case_ref"] for c in listed) == sorted(expected)


def test_sigterm_lets_the_server_finish_and_exit_cleanly(sqlite_url: str, config_path: Path) -> None:
    with served(sqlite_url, config_path) as server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            post(client, "batch", lines_of(SAMPLES[0]))
        assert server.terminate() == 0
    shown = casetrail("--database", sqlite_url, "cases", "--json")
    assert len(json.loads(shown.stdout)) == 1


