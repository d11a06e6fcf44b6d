"""``casetrail token new``: a fresh token, shown once, and the lines that let it in."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import load_api_settings
from casetrail.adapters.settings import Settings
from tests.test_cli import casetrail


def test_a_new_token_admits_its_role_once_its_lines_are_configured(sqlite_url: str, tmp_path: Path) -> None:
    made = casetrail("token", "new", "lead-7", "--role", "lead")
    assert made.returncode == 0, made.stderr
    token = made.stderr.strip().rsplit(" ", 1)[1]
    lines = made.stdout
    assert token not in lines and 'name = "lead-7"' in lines and 'role = "lead"' in lines
    assert casetrail("token", "new", "lead-7", "--role", "lead").stderr != made.stderr

    config = tmp_path / "casetrail.toml"
    config.write_text(lines)
    settings = Settings(database_url=sqlite_url, config_path=str(config))
    with TestClient(create_app(settings, load_api_settings(str(config)))) as client:
        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"}).json()["items"] == []
        refused = client.get("/v1/rejects", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403
        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {token}x"}).status_code == 401


def test_bad_names_roles_and_tables_are_named(tmp_path: Path) -> None:
    bad_name = casetrail("token", "new", "has space", "--role", "lead")
    assert bad_name.returncode == 2 and "NAME" in bad_name.stderr
    bad_role = casetrail("token", "new", "x", "--role", "boss")
    assert bad_role.returncode == 2 and "--role" in bad_role.stderr
    config = tmp_path / "casetrail.toml"
    config.write_text("[api]\nmax_body_bytes = 0\n")
    served = casetrail("--database", f"sqlite:///{tmp_path / 'x.db'}", "--config", str(config), "serve")
    assert served.returncode == 1
    assert "line 2: api.max_body_bytes" in served.stderr and "Traceback" not in served.stderr
