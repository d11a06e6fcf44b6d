"""The log's signed checkpoints over HTTP, on SQLite and PostgreSQL: kept, served as a signed note and as
JSON, signed on request by an admin only, and kept on a schedule by a served process."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import ROLES, ROUTE_ROLES, load_api_settings
from casetrail.adapters.settings import Settings
from casetrail.services.checkpoints import open_note, parse_verifier_key
from tests.conftest import lines_of
from tests.http.conftest import bearer, write_config
from tests.http.helpers import OVERBOOKING, post_batch
from tests.http.served import free_port, served
from tests.test_cli import casetrail

ADMIN, AUDITOR = bearer("admin"), bearer("auditor")


def test_a_checkpoint_is_signed_by_an_admin_kept_and_served_as_a_note_and_as_json(client: TestClient) -> None:
    none_yet = client.get("/v1/checkpoints/latest", headers=AUDITOR)
    assert none_yet.status_code == 404 and none_yet.headers["content-type"] == "application/problem+json"
    assert "no checkpoint is kept yet" in none_yet.json()["detail"]

    post_batch(client, lines_of(OVERBOOKING))
    made = client.post("/v1/checkpoints", headers=ADMIN, params={"format": "json"})
    assert made.status_code == 200, made.text
    document = made.json()
    assert document["origin"] == "casetrail.example/hotels" and document["made_by"] == "admin-1"
    assert document["size"] >= 12  # the sample's events, and the case its detector opened

    note = client.get("/v1/checkpoints/latest", headers=AUDITOR)
    assert note.status_code == 200 and note.headers["content-type"].startswith("text/plain")
    assert note.text == document["note"]
    name, public = parse_verifier_key(document["verifier_key"])
    opened = open_note(note.text, name, public)
    assert (opened.origin, opened.size, base64.b64encode(opened.root).decode()) == (
        document["origin"], document["size"], document["root"])

    for asked in ({"headers": {**bearer("dashboard"), "Accept": "application/json"}},
                  {"headers": bearer("agent"), "params": {"format": "json"}}):
        answered = client.get("/v1/checkpoints/latest", **asked)  # type: ignore[arg-type]
        assert answered.headers["content-type"] == "application/json" and answered.json() == document
    bad = client.get("/v1/checkpoints/latest", headers=AUDITOR, params={"format": "xml"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "format"

    # Signed again while the log has not grown: the one kept is answered, as first made.
    again = client.post("/v1/checkpoints", headers=ADMIN, params={"format": "json"}).json()
    assert again == document
    # The same note as `casetrail verify --latest` finds it in the store the server uses.
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    checked = casetrail("--config", str(settings.config_path), "--database", settings.database_url,
                        "verify", "--latest", "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["checkpoint"] == {
        "size": document["size"], "key": document["verifier_key"]}


def test_only_an_admin_may_sign_one(client: TestClient) -> None:
    assert ROUTE_ROLES[("POST", "/v1/checkpoints")] == {"admin"}
    for role in ROLES:
        answered = client.post("/v1/checkpoints", headers=bearer(role))
        if role == "admin":
            assert answered.status_code == 200 and answered.text.startswith("casetrail.example/hotels\n0\n")
        else:
            assert answered.status_code == 403, (role, answered.text)
            assert answered.json()["detail"] == f"the role {role} may not POST /v1/checkpoints; it is for admin"
    refused = client.get("/v1/checkpoints/latest", headers=bearer("source"))
    assert refused.status_code == 403


def test_a_server_without_a_signing_key_answers_503_and_still_serves_a_kept_one(
        database_url: str, tmp_path: Path, client: TestClient) -> None:
    client.post("/v1/checkpoints", headers=ADMIN)
    config = tmp_path / "keyless" / "casetrail.toml"
    config.parent.mkdir()
    config.write_text(re.sub(r'signing_key = ".*"\n', "", write_config(config).read_text()))
    settings = Settings(database_url=database_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as keyless:
        refused = keyless.post("/v1/checkpoints", headers=ADMIN)
        assert refused.status_code == 503 and refused.json()["detail"].startswith("checkpoints: this server cannot sign")
        assert keyless.get("/v1/checkpoints/latest", headers=AUDITOR).text.startswith("casetrail.example/hotels\n0\n")


def test_a_served_process_keeps_a_checkpoint_on_its_schedule_once_the_log_grows(
        database_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "casetrail.toml")
    config.write_text(config.read_text().replace("[integrity]\n", "[integrity]\ncheckpoint_every = 1\n", 1))
    with served(database_url, config) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        time.sleep(1.5)  # a first interval with an empty log: nothing to sign
        assert http.get("/v1/checkpoints/latest", headers=AUDITOR).status_code == 404
        lines = lines_of(OVERBOOKING)
        posted = http.post("/v1/events", content=b"[" + b",".join(lines) + b"]",
                           headers={**bearer("source"), "content-type": "application/cloudevents-batch+json"})
        assert posted.status_code == 200 and posted.json()["accepted"] == 12
        deadline, size = time.monotonic() + 30, 0
        while time.monotonic() < deadline and size < 12:
            answered = http.get("/v1/checkpoints/latest", headers=AUDITOR, params={"format": "json"})
            size = answered.json()["size"] if answered.status_code == 200 else 0
            time.sleep(0.2)
        assert size >= 12, server.log.read_text()
        kept = http.get("/v1/checkpoints/latest", headers=AUDITOR, params={"format": "json"}).json()
        assert kept["made_by"] == "casetrail serve (checkpoint_every)"
        open_note(kept["note"], *parse_verifier_key(kept["verifier_key"]))


def test_serve_with_a_schedule_but_no_signing_key_stops_with_one_line(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "casetrail.toml"
    config.write_text("[integrity]\ncheckpoint_every = 60\n")
    done = casetrail("--config", str(config), "--database", sqlite_url, "serve", "--port", str(free_port()))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "casetrail: integrity.signing_key: not configured; make one with `casetrail key new --out FILE`"]
