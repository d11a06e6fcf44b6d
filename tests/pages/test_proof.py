"""The proof panel's chain status: verified again only when the log has grown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import load_api_settings
from casetrail.adapters.http.pages.proof import ChainCheck
from casetrail.adapters.settings import Settings
from tests.conftest import lines_of, load
from tests.http.conftest import bearer, write_config
from tests.http.helpers import overbooking_case


def test_the_chain_is_verified_once_per_size_of_the_log(system: System) -> None:
    lines = lines_of("01-overbooking-after-stop-sell.jsonl")
    load(system, lines[:6])
    check = ChainCheck()
    first = check.status(system)
    assert first.intact and first.checked == first.size > 0
    assert check.status(system) is first  # the log has not grown: the answer kept
    load(system, lines[6:])
    grown = check.status(system)
    assert grown is not first and grown.intact and grown.size > first.size


def test_the_case_page_names_where_the_chain_breaks(sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "casetrail.toml")
    settings = Settings(database_url=sqlite_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as client:
        case = overbooking_case(client)["case_ref"]
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE stored_events SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                         "WHERE rowid = 3")
        page = client.get(f"/cases/{case}", headers=bearer("auditor")).text
    assert 'id="chain-status" class="broken"' in page
    assert "broken at position 3" in page


def test_a_server_that_cannot_sign_says_so_on_a_page(sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "casetrail.toml")
    (tmp_path / "signing.pem").unlink()
    settings = Settings(database_url=sqlite_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as client:
        case = overbooking_case(client)["case_ref"]
        answer = client.get(f"/cases/{case}/evidence-pack", headers=bearer("auditor"))
    assert answer.status_code == 503 and answer.headers["content-type"].startswith("text/html")
    assert "this server cannot sign" in answer.text


def test_the_proof_panel_checks_the_log_against_the_latest_kept_checkpoint(sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "casetrail.toml")
    settings = Settings(database_url=sqlite_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as client:
        case = overbooking_case(client)["case_ref"]
        assert "this server keeps none yet" in client.get(f"/cases/{case}", headers=bearer("auditor")).text
        kept = client.post("/v1/checkpoints", headers={**bearer("admin"), "accept": "application/json"})
        assert kept.status_code == 200, kept.text
        page = client.get(f"/cases/{case}", headers=bearer("auditor")).text
        assert f"first {kept.json()['size']} events, which the log still extends" in page
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:  # rewritten with its chain
            conn.execute("DELETE FROM casetrail_chain")
            conn.execute("UPDATE stored_events SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                         "WHERE rowid = 3")
        client.post("/v1/events", content=b"[" + lines_of("02-proactive-payment-rescue.jsonl")[0] + b"]",
                    headers={**bearer("source"), "content-type": "application/cloudevents-batch+json"})
        page = client.get(f"/cases/{case}", headers=bearer("auditor")).text
    assert 'id="chain-status" class="broken"' in page and "which the log still extends" not in page
