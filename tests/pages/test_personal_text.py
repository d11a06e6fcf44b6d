"""A dashboard's case page shows no party's personal text, as its API route shows none."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import load_api_settings
from casetrail.adapters.settings import Settings
from tests.conftest import lines_of
from tests.http.conftest import bearer, write_config
from tests.http.helpers import post_batch

TOPIC = "double charge on account"


def test_the_case_page_withholds_personal_text_from_a_dashboard(sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "casetrail.toml")
    settings = Settings(database_url=sqlite_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as client:
        post_batch(client, lines_of("04-twenty-contacts-nine-weeks.jsonl"))
        [case] = [c for c in client.get("/v1/cases", headers=bearer("lead")).json()["items"]
                  if c["category"] == "service_complaint"]
        lead = client.get(f"/cases/{case['case_ref']}", headers=bearer("lead"))
        dashboard = client.get(f"/cases/{case['case_ref']}", headers=bearer("dashboard"))
    assert lead.status_code == dashboard.status_code == 200
    assert TOPIC in lead.text
    assert TOPIC not in dashboard.text and "[withheld]" in dashboard.text
