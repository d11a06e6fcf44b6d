"""A server per test, in process (FastAPI's TestClient), with one token of each role."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from fastapi.testclient import TestClient

from casetrail.adapters.http.app import create_app
from casetrail.adapters.http.auth import ROLES, load_api_settings, token_lines
from casetrail.adapters.settings import Settings

TOKENS = {role: f"test-token-of-the-{role}" for role in ROLES}


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def write_config(path: Path, extra: str = "") -> Path:
    """A token of each role, and a signing key beside the file for evidence packs."""
    key = path.with_name("signing.pem")
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    extra = f'[integrity]\norigin = "casetrail.example/hotels"\nsigning_key = "{key}"\n' + extra
    path.write_text("".join(token_lines(f"{role}-1", role, hashlib.sha256(token.encode()).hexdigest()) + "\n"
                            for role, token in TOKENS.items()) + extra)
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "casetrail.toml")


@pytest.fixture
def second_store(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty store of the kind of ``database_url``, for what a test compares against."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    base, _, schema = database_url.partition("?schema=")
    yield f"{base}?schema={schema}_second"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_second" CASCADE')


@pytest.fixture
def client(database_url: str, config_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, config_path=str(config_path))
    with TestClient(create_app(settings, load_api_settings(str(config_path)))) as running:
        yield running
